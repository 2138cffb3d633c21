/**
 * Composing one line: the model when it is configured, checked by the guard;
 * on a refusal one regeneration (told why); then the scripted brain, checked
 * too. Invariants: no text leaves here unchecked; each refused text (and each
 * model failure) is reported with its reason and the version it was checked
 * at; the whole compose stays within the model timeout plus the scripted
 * brain's few milliseconds.
 */
import type { FactSheet } from "./facts.ts";
import { checkLine, type GuardContext } from "./guard.ts";
import type { ModelBrain } from "./model_brain.ts";
import type { ScriptedBrain, Task } from "./scripted.ts";

export interface Composed {
  text: string;
  source: "scripted" | "model";
  version: number;
  facts: FactSheet;
}

export interface Refusal {
  text: string;
  reason: string;
  version: number;
  source: "scripted" | "model";
  task: Task;
}

export interface ComposeDeps {
  facts(): FactSheet;
  scripted: ScriptedBrain;
  model: ModelBrain | null;
  /** Texts said lately (the scripted brain avoids them). */
  recent(): Set<string>;
  refused(r: Refusal): void;
  urls?: string[];
}

export async function compose(
  task: Task,
  d: ComposeDeps,
  useModel = true,
): Promise<Composed | null> {
  const ctx: GuardContext = { asker: task.asker, viewerText: task.question, urls: d.urls };
  if (d.model && useModel) {
    let reason: string | undefined;
    for (let attempt = 0; attempt < 2; attempt++) {
      const answer = await d.model.ask(task, d.facts(), reason);
      const f = d.facts();
      if ("error" in answer) {
        d.refused({
          text: "",
          reason: `model: ${answer.error}`,
          version: f.version,
          source: "model",
          task,
        });
        break; // a failed call is not retried: the scripted brain speaks within the timeout
      }
      const checked = checkLine(answer.text, f, ctx);
      // A model line said lately is refused like a false one: the window holds for both brains.
      const v = checked.ok && d.recent().has(checked.text)
        ? { ok: false as const, reason: "repeats a line said within the repeat window" }
        : checked;
      if (v.ok) return { text: v.text, source: "model", version: f.version, facts: f };
      d.refused({ text: answer.text, reason: v.reason, version: f.version, source: "model", task });
      reason = v.reason;
    }
  }
  const f = d.facts();
  const text = d.scripted.line(task, f, d.recent());
  if (text === null) return null;
  const v = checkLine(text, f, ctx);
  if (v.ok) return { text: v.text, source: "scripted", version: f.version, facts: f };
  d.refused({ text, reason: v.reason, version: f.version, source: "scripted", task });
  return null;
}
