# Makefile: the source of truth for building, running, testing and benchmarking.
# `make run` and `make test` install what is missing first, so a fresh clone needs nothing else.

SHELL := /bin/bash
NODE ?= node

.PHONY: all install build run test unit integration check lint typecheck bench bench-protocol bench-schema bench-memory bench-reliability bench-scale clean browser pgbouncer

all: build

# npm ci when node_modules is absent or older than the lockfile.
node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund
	@touch $@

install: node_modules/.installed

build: install
	rm -rf dist && npx tsc -p .

run: build
	$(NODE) --max-semi-space-size=4 dist/gateway/dev.js $(CONFIG)

unit: build
	$(NODE) dist/test/run.js unit

integration: build browser pgbouncer
	$(NODE) dist/test/run.js integration

test: build browser pgbouncer
	$(NODE) dist/test/run.js

# Debian's chromium for the explorer's browser test, installed when missing (never fails).
browser:
	@bash scripts/ensure-chromium.sh

# PgBouncer 1.24.1 built once from Debian trixie's source into ~/.cache/pgrest-gateway for the
# prepared-statements PgBouncer test (never fails: the test skips and says why).
pgbouncer:
	@bash scripts/ensure-pgbouncer.sh >/dev/null

typecheck: install
	npx tsc -p . --noEmit

lint: install
	$(NODE) scripts/lint.mjs

check: lint typecheck test

bench: build
	$(NODE) dist/bench/run.js $(if $(QUICK),--quick,)

# Schema-cache load time on a generated 1,000-table schema.
bench-schema: build
	$(NODE) dist/bench/schema-load.js

# Our wire-protocol client against pg and postgres (porsager): bench/results/protocol.json.
bench-protocol: build
	$(NODE) dist/bench/protocol.js $(if $(QUICK),--quick,)

# Gateway RSS growth on 100k-row ?columns= bulk inserts and 50 MB JSON values: bench/results/bulk-memory.json.
bench-memory: build
	$(NODE) dist/bench/bulk-memory.js

# Issue 15: small-GET p99 during a 64 MB read, 504s and fast-GET p99 under slow calls with db-pool=2: bench/results/reliability.json.
bench-reliability: build
	$(NODE) dist/bench/reliability.js


# 3 gateways behind haproxy, one killed and restarted mid-run: bench/results/scale.json.
bench-scale: build
	$(NODE) dist/bench/scale.js $(if $(QUICK),--quick,)

clean:
	rm -rf dist node_modules/.installed
