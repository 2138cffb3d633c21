/** The engine's own CPU and memory, sampled while a panel watches the System page. */
import process from "node:process";

export interface SystemSample {
  at: number;
  /** Engine CPU, % of one core, since the previous sample. */
  cpuPercent: number;
  rssBytes: number;
  heapUsedBytes: number;
  externalBytes: number;
  loadAverage: number[];
  cores: number;
}

export function systemSampler() {
  let last = { at: performance.now(), cpu: process.cpuUsage() };
  return (): SystemSample => {
    const now = { at: performance.now(), cpu: process.cpuUsage() };
    const usedUs = now.cpu.user + now.cpu.system - last.cpu.user - last.cpu.system;
    const wallMs = Math.max(1, now.at - last.at);
    last = now;
    const m = Deno.memoryUsage();
    return {
      at: Date.now(),
      cpuPercent: Math.round((usedUs / 10 / wallMs) * 10) / 10,
      rssBytes: m.rss,
      heapUsedBytes: m.heapUsed,
      externalBytes: m.external,
      loadAverage: Deno.loadavg(),
      cores: navigator.hardwareConcurrency,
    };
  };
}

/** The last `size` values, oldest first. */
export function ring<T>(size: number) {
  const items: T[] = [];
  return {
    push(item: T) {
      items.push(item);
      if (items.length > size) items.shift();
    },
    all: () => [...items],
  };
}
