/**
 * fake-x: a local stand-in for the X API v2 (see README.md). Not a plugin: a
 * server that tests, the simulator and `main.ts fake-x` start.
 */
export { createFakeX, type FakeTweet, type FakeX, type Fault } from "./fake_x_server.ts";
export { type ServedFakeX, serveFakeX } from "./serve_fake_x.ts";
export { type Tier, TIERS } from "./tiers.ts";
export { fakeXCommand } from "./cli.ts";
