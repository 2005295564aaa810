import { describe, expect, it } from "vitest";
import { RateLimiter } from "../../src/bulk/rate.js";

function fakeClock() {
  let now = 0;
  const waits: number[] = [];
  return {
    now: () => now,
    sleep: async (ms: number) => {
      waits.push(ms);
      now += ms;
    },
    advance: (ms: number) => (now += ms),
    waits,
  };
}

describe("RateLimiter", () => {
  it("spaces requests evenly at the rate", async () => {
    const clock = fakeClock();
    const limiter = new RateLimiter({ rate: 5, now: clock.now, sleep: clock.sleep });
    for (let i = 0; i < 6; i++) await limiter.acquire();
    expect(clock.now()).toBe(1000);
  });

  it("halves the rate on throttling, once per interval, down to the floor, and regains it slowly", async () => {
    const clock = fakeClock();
    const limiter = new RateLimiter({ rate: 8, minRate: 1, now: clock.now, sleep: clock.sleep });
    limiter.throttled();
    limiter.throttled(); // the same burst
    expect(limiter.rate).toBe(4);
    clock.advance(1000);
    limiter.throttled();
    clock.advance(1000);
    limiter.throttled();
    clock.advance(1000);
    limiter.throttled();
    expect(limiter.rate).toBe(1);
    for (let i = 0; i < 10; i++) limiter.succeeded();
    expect(limiter.rate).toBeCloseTo(1 + 10 * (8 / 50));
    for (let i = 0; i < 100; i++) limiter.succeeded();
    expect(limiter.rate).toBe(8);
  });
});
