// A free TCP port on loopback, for tests that start a cluster or server of their own; one
// implementation, shared with the embedded-cluster helper.

export { freePort } from '../../gateway/embedded.js';
