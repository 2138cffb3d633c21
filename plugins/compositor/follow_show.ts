/**
 * Which scene is on air, from the bus: the scene of the campaign phase, the
 * auction's status (open or paused: live; closed or cancelled: post-auction),
 * and the slate scene while `slate.changed` says so. A phase change while the
 * slate is on is kept and shown when it leaves.
 */
import type { Bus } from "../../core/bus.ts";
import type { Compositor } from "./compositor.ts";
import type {} from "./events.ts";
import type {} from "../auction/mod.ts";

export type Phase = "pre-auction" | "auction" | "post-auction";

export interface FollowOptions {
  bus: Bus;
  compositor: Compositor;
  has(scene: string): boolean;
  phaseScenes: Partial<Record<Phase, string>>;
  slateScene: string;
  initialScene: string;
}

/** Starts following the show; returns the unsubscribe. */
export function followShow(o: FollowOptions): () => void {
  const { compositor } = o;
  let slateOn = false;
  let backTo: string = compositor.current();
  const showForPhase = (phase: Phase) => {
    const name = o.phaseScenes[phase];
    if (!name || !o.has(name)) return;
    if (slateOn) backTo = name;
    else compositor.show(name);
  };
  const offs = [
    o.bus.on("slate.changed", (e) => {
      const on = e.payload.on;
      if (on === slateOn || !o.has(o.slateScene)) return;
      slateOn = on;
      if (on) {
        if (compositor.current() !== o.slateScene) backTo = compositor.current();
        compositor.show(o.slateScene);
      } else {
        compositor.show(o.has(backTo) ? backTo : o.initialScene);
      }
    }),
    o.bus.on("campaign.phase", (e) => showForPhase(e.payload.phase)),
    o.bus.on("auction.updated", (e) => {
      const status = e.payload.status;
      if (status === "open" || status === "paused") showForPhase("auction");
      else if (status === "closed" || status === "cancelled") showForPhase("post-auction");
    }),
  ];
  return () => offs.forEach((off) => off());
}
