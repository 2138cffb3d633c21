/**
 * What the compositor tells its log about widgets: one missing, one failing to
 * draw (once per message), a state handler failing, one over its render budget
 * (once, by name), a live reload done or refused.
 */
import type { Log } from "../../core/log.ts";
import type { WidgetReload } from "./widget_reload.ts";

const ms = (n: number) => Math.round(n * 100) / 100;

export function widgetLogs(log: Log) {
  return {
    onMissingWidget: (kind: string) => log.warn("scene uses a widget nobody registered", { kind }),
    onWidgetError: (kind: string, error: unknown) =>
      log.error("widget failed to draw; its slot shows the error, the frame goes on", {
        kind,
        error,
      }),
    onStateError: (kind: string, type: string, error: unknown) =>
      log.error("widget's state handler failed; that event is dropped for it", {
        kind,
        type,
        error,
      }),
    onOverBudget: (kind: string, last: number, budgetMs: number) =>
      log.warn("widget over its render budget for 30 frames in a row", {
        kind,
        ms: ms(last),
        budgetMs: ms(budgetMs),
      }),
    onReload: (r: WidgetReload) =>
      r.error
        ? log.warn("widget code not reloaded; the old code stays", { ...r })
        : log.info("widget code reloaded: drawn from the next frame", { ...r }),
  };
}
