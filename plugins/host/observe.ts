/**
 * The host observed: `/metrics` (model latency and calls, lines by outcome
 * and source, the reaction time, whether the model is up) and the `host`
 * check on `/healthz` (the character, the model's health, the version).
 * Invariant: a failing model is degraded, never down — the scripted brain
 * keeps the host talking.
 */
import type { Character } from "./character.ts";
import { freshModelHealth, type ModelBrain, type ModelHealth } from "./model_brain.ts";
import type { PluginContext } from "../../core/plugin.ts";

type Metrics = PluginContext["metrics"];

export function hostMetrics(metrics: Metrics) {
  const latency = metrics.summary("host_model_latency_ms", "Language model answer time (ms)");
  const reaction = metrics.summary("host_reaction_ms", "bid.accepted to a queued host line (ms)");
  const lines = metrics.counter("host_lines_total", "Host lines by outcome and source");
  const modelCalls = metrics.counter("host_model_calls_total", "Language model calls by result");
  return {
    modelCall(ms: number, ok: boolean) {
      latency.observe(ms);
      modelCalls.inc(1, { result: ok ? "ok" : "error" });
    },
    reaction: (ms: number) => reaction.observe(ms),
    line: (outcome: string, source: string) => lines.inc(1, { outcome, source }),
  };
}

/** Registers the health check and the up gauge; returns the model's health now. */
export function hostHealth(d: {
  health: PluginContext["health"];
  metrics: Metrics;
  model: ModelBrain | null;
  modelName: string;
  character: Character;
  version(): number;
}): () => ModelHealth {
  const modelHealth = (): ModelHealth => d.model?.health() ?? freshModelHealth(false);
  d.metrics.gauge(
    "host_model_up",
    "1 when the last model call answered (or no model is set)",
    () => modelHealth().ok ? 1 : 0,
  );
  d.health("host", () => {
    const m = modelHealth();
    return {
      ok: true,
      detail: !m.configured
        ? `scripted brain (${d.character.name})`
        : m.ok
        ? `model ${d.modelName} answering (${m.lastLatencyMs ?? "–"} ms)`
        : `model ${d.modelName} failing (${m.lastError}); the scripted brain speaks`,
      model: m,
      character: d.character.name,
      version: d.version(),
    };
  });
  return modelHealth;
}
