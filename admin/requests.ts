/**
 * Every request the panel can make, one table: the least role it needs, the
 * zod schema of its data (an allow-list: unknown fields are refused), and what
 * it does. The WebSocket and `POST /admin/api/requests/:type` both dispatch
 * here, so each is authorised by role on the server the same way, and every
 * state change is audited (a refused one too).
 */
import { z } from "zod";
import { nyString } from "../core/clock.ts";
import type { AdminAction, Auctions } from "../plugins/auction/mod.ts";
import { AdminError, CampaignError, REASONS } from "../plugins/auction/mod.ts";
import { campaignCalendar, dayScenario, runRehearsal } from "./campaign_requests.ts";
import { AssetError, deleteAsset } from "./assets.ts";
import {
  assetUses,
  previewScene,
  readScene,
  saveScene,
  SceneEditError,
  type SceneFolder,
  sceneNames,
  sceneProblems,
  undoScene,
} from "./scenes.ts";
import type { ChainService } from "../plugins/chain/mod.ts";
import type { Compositor, SceneFiles } from "../plugins/compositor/mod.ts";
import { CharacterError, characterSchema, type HostStudio } from "../plugins/host/mod.ts";
import type { Speech } from "../plugins/voice/mod.ts";
import type { Slate } from "../plugins/slate/mod.ts";
import type { StreamControl, StreamStats } from "../plugins/stream/mod.ts";
import type { Accounts, Role } from "./accounts.ts";
import type { AuditEntry, AuditLog } from "./audit.ts";
import type { Session } from "./sessions.ts";
import type { SystemSample } from "./system.ts";

const RANK: Record<Role, number> = { viewer: 0, operator: 1, admin: 2 };
export const may = (role: Role, needs: Role) => RANK[role] >= RANK[needs];

export interface Caller {
  session: Session;
  ip: string | null;
}

/** A request that failed for a reason the person should read. */
export class RequestError extends Error {
  constructor(readonly code: 400 | 403 | 404 | 409 | 500, message: string) {
    super(message);
  }
}

/** The slate on air through the panel: what to go back to, and who put it there. */
export interface SlateState {
  backTo: string;
  since: string;
  by: string;
  reason: string;
}

export interface RequestDeps {
  auctions: Auctions;
  chain?: ChainService;
  compositor?: Compositor;
  stream?: StreamControl;
  audit: AuditLog;
  accounts: Accounts;
  now(): Temporal.Instant;
  health(): Promise<unknown>;
  systemHistory(): SystemSample[];
  statsHistory(): StreamStats[];
  /** The slate plugin's hold (the panel's slate control). */
  slateControl?: Slate;
  slate: { get(): SlateState | null; set(s: SlateState | null): void };
  /** The host's character file and transcript (the Host page). */
  host?: HostStudio;
  /** The host's voice, off air (a test line). */
  speech?: Speech;
  /** The compositor's reload of its scene files (a saved scene on show without a restart). */
  sceneFiles?: SceneFiles;
  /** The scene files the compositor reads, and its assets. */
  scenes: SceneFolder;
  /** Tells every panel (e.g. the audit log grew, the scene changed). */
  notify(eventType: string, eventData: unknown): void;
}

const reason = z.string().trim().min(3, "give a reason (3 characters or more)").max(500);
const optionalReason = z.string().trim().max(500).optional();
const auctionId = z.string().regex(/^[A-Za-z0-9_.:-]{1,100}$/, "not an auction id");
const instant = z.string().max(40).transform((s, ctx) => {
  try {
    return Temporal.Instant.from(s);
  } catch {
    ctx.addIssue({
      code: "custom",
      message: "a time with its offset, e.g. 2026-03-08T14:00:00-04:00",
    });
    return z.NEVER;
  }
});
const change = z.discriminatedUnion("action", [
  z.strictObject({ action: z.literal("pause") }),
  z.strictObject({ action: z.literal("resume") }),
  z.strictObject({ action: z.literal("cancel") }),
  z.strictObject({ action: z.literal("close") }),
  z.strictObject({ action: z.literal("extend"), seconds: z.number().int().min(1).max(86_400) }),
  z.strictObject({
    action: z.literal("void"),
    tweetId: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, "not a tweet id"),
  }),
  z.strictObject({
    action: z.literal("reschedule"),
    startsAt: instant,
    endsAt: instant,
    maxEndsAt: instant,
  }),
]);
const filterText = z.string().trim().max(100).optional();
const handle = z.string().trim().regex(/^@?[A-Za-z0-9_]{1,15}$/, "an X handle");
const sceneName = z.string().regex(/^[a-z0-9-]{1,40}$/, "a scene name");

function encodeBase64(bytes: Uint8Array): string {
  let text = "";
  for (let i = 0; i < bytes.length; i += 0x8000) {
    text += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return btoa(text);
}

/** After a save: whether the running show took the file, or kept its old scene and why. */
async function onShow(deps: RequestDeps, name: string): Promise<string> {
  if (!deps.sceneFiles) return "the compositor is not running here: the file is read at its start";
  await deps.sceneFiles.check();
  const why = deps.sceneFiles.problems()[`${name}.json`];
  return why ? `the show keeps its old ${name}: ${why}` : `the show draws it from the next frame`;
}

/** A scene edit refused for a reason the person should read is a 400. */
async function sceneCall<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof SceneEditError) throw new RequestError(400, error.message);
    throw error;
  }
}

/** A character refused by the host's schema is a 400 naming each field. */
async function characterCall<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof CharacterError) throw new RequestError(400, error.message);
    throw error;
  }
}

/** Plain text to speak: no control characters (espeak-ng gets it after `--`, never as options). */
const testLine = z.string().trim().min(1, "say something").max(300)
  .regex(/^[^\p{Cc}\p{Cf}]*$/u, "plain text, no control characters");
let speaking = false;

interface RequestDef<S extends z.ZodType = z.ZodType> {
  role: Role;
  data: S;
  run(data: z.output<S>, caller: Caller, deps: RequestDeps): Promise<unknown>;
}

const define = <S extends z.ZodType>(def: RequestDef<S>) => def as unknown as RequestDef;

/** Runs `work` and audits it: ok with its before and after, or failed with the error. */
async function audited<T>(
  deps: RequestDeps,
  caller: Caller,
  entry: Omit<AuditEntry, "actor" | "outcome" | "ip" | "before" | "after">,
  work: () => Promise<{ before: unknown; after: unknown; result: T }>,
): Promise<T> {
  const base = { ...entry, actor: caller.session.name, ip: caller.ip };
  try {
    const { before, after, result } = await work();
    await deps.audit.write({ ...base, before, after, outcome: "ok" });
    deps.notify("AuditAppended", { action: entry.action });
    return result;
  } catch (error) {
    await deps.audit.write({ ...base, outcome: "failed", after: { error: messageOf(error) } });
    deps.notify("AuditAppended", { action: entry.action });
    throw error;
  }
}

const need = <T>(service: T | undefined, what: string): T => {
  if (!service) throw new RequestError(404, `${what} is not running in this engine`);
  return service;
};

function showState(deps: RequestDeps) {
  return {
    scene: deps.compositor?.current() ?? null,
    scenes: deps.compositor?.scenes() ?? [],
    slate: deps.slate.get(),
    stream: deps.stream
      ? { unavailable: deps.stream.unavailable, status: deps.stream.stats().status }
      : null,
  };
}

export const REQUESTS: Record<string, RequestDef> = {
  /** The user is at the keyboard: the idle timer starts again. */
  Heartbeat: define({ role: "viewer", data: z.strictObject({}), run: () => Promise.resolve({}) }),

  GetOverview: define({
    role: "viewer",
    data: z.strictObject({}),
    run: (_d, _c, deps) => {
      const blocked = deps.auctions.blocked();
      return Promise.resolve({
        serverTime: deps.now().epochMilliseconds,
        auctions: deps.auctions.list().map((a) => ({
          ...a,
          blocked: blocked[a.auctionId] ?? null,
        })),
        show: showState(deps),
        chain: !!deps.chain,
        /** What a bid's decision can be, for the bid filter. */
        decisions: ["accepted", "voided", ...REASONS],
      });
    },
  }),

  ListBids: define({
    role: "viewer",
    data: z.strictObject({
      auctionId: auctionId.optional(),
      handle: z.string().trim().regex(/^@?[A-Za-z0-9_]{0,15}$/, "an X handle").optional(),
      reason: z.string().regex(/^[a-z_]{1,30}$/, "a reason code").optional(),
      beforeSeq: z.string().regex(/^\d{1,19}$/).optional(),
      limit: z.number().int().min(1).max(200).default(50),
    }),
    run: async (d, _c, deps) => ({
      bids: await deps.auctions.bids({ ...d, handle: d.handle || undefined }),
    }),
  }),

  GetCustody: define({
    role: "viewer",
    data: z.strictObject({ auctionId }),
    run: async (d, _c, deps) => {
      const auction = deps.auctions.get(d.auctionId);
      if (!auction) throw new RequestError(404, `no auction ${d.auctionId}`);
      const blocked = deps.auctions.blocked()[d.auctionId] ?? null;
      if (!deps.chain) return { custody: null, blocked };
      try {
        return {
          custody: await deps.chain.checkAuctionCustody(d.auctionId, auction.item),
          blocked,
        };
      } catch (error) {
        return { custody: { ok: false, reason: `cannot be read: ${messageOf(error)}` }, blocked };
      }
    },
  }),

  ListClaims: define({
    role: "viewer",
    data: z.strictObject({}),
    run: async (_d, _c, deps) => ({ claims: deps.chain ? await deps.chain.claims() : [] }),
  }),

  GetHealth: define({
    role: "viewer",
    data: z.strictObject({}),
    run: async (_d, _c, deps) => ({
      health: await deps.health(),
      system: deps.systemHistory(),
    }),
  }),

  GetShow: define({
    role: "viewer",
    data: z.strictObject({}),
    run: (_d, _c, deps) => Promise.resolve({ show: showState(deps), stats: deps.statsHistory() }),
  }),

  ListAudit: define({
    role: "viewer",
    data: z.strictObject({
      actor: filterText,
      action: z.string().trim().regex(/^[a-z0-9_.-]{0,60}$/, "an action, e.g. auction.pause")
        .optional(),
      from: instant.optional(),
      to: instant.optional(),
      limit: z.number().int().min(1).max(500).default(100),
    }),
    run: async (d, _c, deps) => ({
      entries: await deps.audit.query({
        ...d,
        actor: d.actor || undefined,
        action: d.action || undefined,
      }),
    }),
  }),

  // The auction's financial reports: signed-in roles only (the engine serves them nowhere else).
  GetDailyReport: define({
    role: "viewer",
    data: z.strictObject({ auctionId }),
    run: async (d, _c, deps) => {
      const report = await deps.auctions.reports.daily(d.auctionId);
      if (!report) throw new RequestError(404, `no auction ${d.auctionId}`);
      return { report };
    },
  }),

  GetCampaignReport: define({
    role: "viewer",
    data: z.strictObject({ campaignId: auctionId }),
    run: async (d, _c, deps) => ({ report: await deps.auctions.reports.campaign(d.campaignId) }),
  }),

  GetBidderReport: define({
    role: "viewer",
    data: z.strictObject({ handle }),
    run: async (d, _c, deps) => ({ report: await deps.auctions.reports.bidder(d.handle) }),
  }),

  GetLedger: define({
    role: "viewer",
    data: z.strictObject({ from: instant.optional(), to: instant.optional() }),
    run: async (d, _c, deps) => ({ csv: await deps.auctions.reports.ledgerCsv(d) }),
  }),

  PreviewOverride: define({
    role: "operator",
    data: z.strictObject({ auctionId, change }),
    run: async (d, _c, deps) => {
      try {
        return await deps.auctions.previewAdmin(d.auctionId, d.change as AdminAction);
      } catch (error) {
        if (error instanceof AdminError) throw new RequestError(409, error.message);
        throw error;
      }
    },
  }),

  AuctionOverride: define({
    role: "operator",
    data: z.strictObject({ auctionId, change, reason }),
    run: async (d, caller, deps) => {
      try {
        // The auction writes this override's audit row itself, with before and after.
        const auction = await deps.auctions.admin(d.auctionId, d.change as AdminAction, {
          actor: caller.session.name,
          reason: d.reason,
        });
        deps.notify("AuditAppended", { action: `auction.${d.change.action}` });
        return { auction };
      } catch (error) {
        await deps.audit.write({
          actor: caller.session.name,
          action: `auction.${d.change.action}`,
          subject: d.auctionId,
          reason: d.reason,
          params: d.change,
          after: { error: messageOf(error) },
          outcome: "failed",
          ip: caller.ip,
        });
        deps.notify("AuditAppended", { action: `auction.${d.change.action}` });
        if (error instanceof AdminError) throw new RequestError(409, error.message);
        throw error;
      }
    },
  }),

  RetryClaim: define({
    role: "operator",
    data: z.strictObject({ payoutId: z.string().regex(/^\d{1,19}$/), reason: optionalReason }),
    run: (d, caller, deps) => {
      const chain = need(deps.chain, "the chain plugin");
      return audited(deps, caller, {
        action: "claim.retry",
        subject: d.payoutId,
        reason: d.reason,
      }, async () => {
        const before = (await chain.claims()).find((c) => c.id === d.payoutId) ?? null;
        const after = await chain.retryClaim(d.payoutId);
        return { before, after, result: { claim: after } };
      });
    },
  }),

  GoLive: define({
    role: "operator",
    data: z.strictObject({ reason: optionalReason }),
    run: (d, caller, deps) => {
      const stream = need(deps.stream, "the stream plugin");
      return audited(deps, caller, { action: "stream.go-live", reason: d.reason }, async () => {
        const before = { status: stream.stats().status };
        if (stream.unavailable) {
          throw new RequestError(409, `cannot go live: ${stream.unavailable}`);
        }
        await stream.goLive();
        deps.notify("ShowChanged", showState(deps));
        return { before, after: { status: stream.stats().status }, result: showState(deps) };
      });
    },
  }),

  StopStream: define({
    role: "operator",
    data: z.strictObject({ reason: optionalReason }),
    run: (d, caller, deps) => {
      const stream = need(deps.stream, "the stream plugin");
      return audited(deps, caller, { action: "stream.stop", reason: d.reason }, async () => {
        const before = { status: stream.stats().status };
        await stream.stop();
        deps.notify("ShowChanged", showState(deps));
        return { before, after: { status: stream.stats().status }, result: showState(deps) };
      });
    },
  }),

  ShowSlate: define({
    role: "operator",
    data: z.strictObject({ reason }),
    run: (d, caller, deps) => {
      const compositor = need(deps.compositor, "the compositor");
      const slate = need(deps.slateControl, "the slate plugin");
      return audited(deps, caller, { action: "show.slate", reason: d.reason }, () => {
        const scene = compositor.current();
        const held = slate.state().held;
        if (held) throw new RequestError(409, `the slate is already held by ${held.by}`);
        slate.hold(caller.session.name, d.reason);
        deps.slate.set({
          backTo: scene === "slate" ? "live" : scene,
          since: nyString(deps.now()),
          by: caller.session.name,
          reason: d.reason,
        });
        deps.notify("ShowChanged", showState(deps));
        return Promise.resolve({
          before: { scene },
          after: { scene: compositor.current() },
          result: showState(deps),
        });
      });
    },
  }),

  LeaveSlate: define({
    role: "operator",
    data: z.strictObject({ reason }),
    run: (d, caller, deps) => {
      const compositor = need(deps.compositor, "the compositor");
      const slate = need(deps.slateControl, "the slate plugin");
      return audited(deps, caller, { action: "show.leave-slate", reason: d.reason }, () => {
        if (!slate.state().held) {
          deps.slate.set(null);
          deps.notify("ShowChanged", showState(deps));
          throw new RequestError(
            409,
            `the slate is not held (the scene is ${compositor.current()}): nothing to leave`,
          );
        }
        const before = { scene: compositor.current() };
        const after = slate.release();
        deps.slate.set(null);
        deps.notify("ShowChanged", showState(deps));
        return Promise.resolve({
          before,
          // Still on air while the show's data is stale: the reasons say why.
          after: after.on
            ? { scene: compositor.current(), reasons: after.reasons }
            : { scene: compositor.current() },
          result: showState(deps),
        });
      });
    },
  }),

  RunTransition: define({
    role: "operator",
    data: z.strictObject({
      scene: z.string().regex(/^[a-z0-9-]{1,40}$/),
      kind: z.enum(["cut", "fade", "slide"]),
      ms: z.number().int().min(0).max(5000),
      reason: optionalReason,
    }),
    run: (d, caller, deps) => {
      const compositor = need(deps.compositor, "the compositor");
      if (!compositor.scenes().includes(d.scene)) {
        throw new RequestError(404, `no scene ${d.scene}; have ${compositor.scenes().join(", ")}`);
      }
      return audited(deps, caller, {
        action: "show.transition",
        subject: d.scene,
        reason: d.reason,
        params: { kind: d.kind, ms: d.ms },
      }, () => {
        const before = { scene: compositor.current() };
        // Leaving the slate by a transition ends the panel's hold too.
        if (d.scene !== "slate" && deps.slateControl?.state().held) deps.slateControl.release();
        compositor.show(d.scene, { kind: d.kind, ms: d.ms });
        if (d.scene !== "slate") deps.slate.set(null);
        deps.notify("ShowChanged", showState(deps));
        return Promise.resolve({
          before,
          after: { scene: compositor.current() },
          result: showState(deps),
        });
      });
    },
  }),

  ListCampaigns: define({
    role: "viewer",
    data: z.strictObject({}),
    run: async (_d, _c, deps) => ({ campaigns: await deps.auctions.campaigns.list() }),
  }),

  /** The engine's own check of a definition, and its calendar when it checks out. */
  CheckCampaign: define({
    role: "viewer",
    data: z.strictObject({ campaign: z.record(z.string(), z.unknown()) }),
    run: (d, _c, deps) => {
      const checked = deps.auctions.campaigns.check(d.campaign);
      return Promise.resolve(
        checked.ok
          ? { ok: true, problems: [], calendar: campaignCalendar(checked.campaign) }
          : { ok: false, problems: checked.problems, calendar: [] },
      );
    },
  }),

  SaveCampaign: define({
    role: "admin",
    data: z.strictObject({ campaign: z.record(z.string(), z.unknown()), reason }),
    run: (d, caller, deps) => {
      const checked = deps.auctions.campaigns.check(d.campaign);
      if (!checked.ok) throw new RequestError(400, checked.problems.join("\n"));
      return audited(deps, caller, {
        action: "campaign.save",
        subject: checked.campaign.id,
        reason: d.reason,
      }, async () => {
        const before = (await deps.auctions.campaigns.list()).find((c) =>
          c.id === checked.campaign.id
        ) ?? null;
        try {
          const saved = await deps.auctions.campaigns.save(d.campaign);
          return { before, after: saved.campaign, result: saved };
        } catch (error) {
          if (error instanceof CampaignError) throw new RequestError(400, error.message);
          throw error;
        }
      });
    },
  }),

  /** `rehearse` on one day of a (possibly unsaved) campaign: its decisions, one JSON line each. */
  RehearseDay: define({
    role: "operator",
    data: z.strictObject({
      campaign: z.record(z.string(), z.unknown()),
      day: z.string().regex(/^\d{4}-\d{2}-\d{2}$/, "a day, YYYY-MM-DD"),
      host: z.string().regex(/^@\w{1,15}$/, "an X handle").default("@SothebAIs"),
      wallets: z.array(z.unknown()).max(200).optional(),
      events: z.array(z.unknown()).max(2000).optional(),
    }),
    run: async (d, caller, deps) => {
      const checked = deps.auctions.campaigns.check(d.campaign);
      if (!checked.ok) throw new RequestError(400, checked.problems.join("\n"));
      const scenario = dayScenario(checked.campaign, d.day, d, d.host);
      if (!scenario) {
        throw new RequestError(
          400,
          `day: ${d.day} is not a day of campaign ${checked.campaign.id}`,
        );
      }
      const outcome = await runRehearsal(scenario);
      await deps.audit.write({
        actor: caller.session.name,
        action: "campaign.rehearse",
        subject: `${checked.campaign.id} ${d.day}`,
        params: { events: scenario.events.length },
        after: outcome.ok ? { lines: outcome.lines.length } : { problems: outcome.problems },
        outcome: outcome.ok ? "ok" : "failed",
        ip: caller.ip,
      });
      if (!outcome.ok) throw new RequestError(409, outcome.problems.join("\n"));
      return { scenario, lines: outcome.lines };
    },
  }),

  ListScenes: define({
    role: "viewer",
    data: z.strictObject({}),
    run: async (_d, _c, deps) => ({
      scenes: await sceneNames(deps.scenes),
      /** The widget kinds the running compositor draws (the form's choices). */
      widgets: deps.compositor?.widgets.kinds() ?? [],
    }),
  }),

  /** The engine's check of an edited scene: each problem `scene: <field>: <message>`. */
  CheckScene: define({
    role: "viewer",
    data: z.strictObject({ scene: z.record(z.string(), z.unknown()) }),
    run: (d) => Promise.resolve({ problems: sceneProblems(d.scene) }),
  }),

  GetScene: define({
    role: "viewer",
    data: z.strictObject({ name: sceneName }),
    run: (d, _c, deps) => sceneCall(() => readScene(deps.scenes, d.name)),
  }),

  /** The edited scene drawn by the real compositor (sample state at a phase), as a PNG data URL. */
  PreviewScene: define({
    role: "operator",
    data: z.strictObject({
      name: sceneName,
      scene: z.record(z.string(), z.unknown()),
      phase: z.enum(["pre-auction", "auction", "post-auction"]).default("auction"),
    }),
    run: (d, _c, deps) =>
      sceneCall(async () => {
        const problems = sceneProblems(d.scene);
        if (problems.length) return { problems, png: null };
        const png = await previewScene(deps.scenes, d.name, d.scene, d.phase);
        return { problems: [], png: `data:image/png;base64,${encodeBase64(png)}` };
      }),
  }),

  SaveScene: define({
    role: "admin",
    data: z.strictObject({ name: sceneName, scene: z.record(z.string(), z.unknown()), reason }),
    run: (d, caller, deps) =>
      sceneCall(() =>
        audited(
          deps,
          caller,
          { action: "scene.save", subject: d.name, reason: d.reason },
          async () => {
            const { before, after } = await saveScene(deps.scenes, d.name, d.scene);
            return { before, after, result: { saved: d.name, show: await onShow(deps, d.name) } };
          },
        )
      ),
  }),

  UndoScene: define({
    role: "admin",
    data: z.strictObject({ name: sceneName, reason }),
    run: (d, caller, deps) =>
      sceneCall(() =>
        audited(
          deps,
          caller,
          { action: "scene.undo", subject: d.name, reason: d.reason },
          async () => {
            const { before, after } = await undoScene(deps.scenes, d.name);
            return { before, after, result: { scene: after, show: await onShow(deps, d.name) } };
          },
        )
      ),
  }),

  GetHost: define({
    role: "viewer",
    data: z.strictObject({}),
    run: async (_d, _c, deps) => {
      const host = need(deps.host, "the host plugin");
      const { file, ...stored } = await characterCall(() => host.readCharacter());
      // The file's name only: where it sits on the server is no viewer's business.
      return {
        ...stored,
        file: file.split("/").pop() ?? "",
        speaking: host.character().name,
        voice: !!deps.speech,
      };
    },
  }),

  CheckCharacter: define({
    role: "viewer",
    data: z.strictObject({ character: z.record(z.string(), z.unknown()) }),
    run: (d, _c, deps) =>
      Promise.resolve({ problems: need(deps.host, "the host plugin").checkCharacter(d.character) }),
  }),

  SaveCharacter: define({
    role: "admin",
    data: z.strictObject({ character: z.record(z.string(), z.unknown()), reason }),
    run: (d, caller, deps) => {
      const host = need(deps.host, "the host plugin");
      return characterCall(() =>
        audited(deps, caller, {
          action: "host.character.save",
          subject: host.character().name,
          reason: d.reason,
        }, async () => {
          const { before, after } = await host.saveCharacter(d.character);
          return { before, after, result: { saved: after.name } };
        })
      );
    },
  }),

  UndoCharacter: define({
    role: "admin",
    data: z.strictObject({ reason }),
    run: (d, caller, deps) => {
      const host = need(deps.host, "the host plugin");
      return characterCall(() =>
        audited(deps, caller, {
          action: "host.character.undo",
          subject: host.character().name,
          reason: d.reason,
        }, async () => {
          const { before, after } = await host.undoCharacter();
          return { before, after, result: { character: after } };
        })
      );
    },
  }),

  /** A line in a voice (the edited one, saved or not), spoken by espeak-ng off air: a WAV data URL. */
  SpeakTestLine: define({
    role: "operator",
    data: z.strictObject({ text: testLine, voice: characterSchema.shape.voice }),
    run: async (d, _c, deps) => {
      const speech = need(deps.speech, "the voice plugin");
      if (speaking) throw new RequestError(409, "a test line is being spoken: try again");
      speaking = true;
      try {
        const wav = await speech.wav(d.text, d.voice);
        if (!wav) throw new RequestError(409, "espeak-ng is not installed: the host is silent");
        return { wav: `data:audio/wav;base64,${encodeBase64(wav)}`, bytes: wav.length };
      } finally {
        speaking = false;
      }
    },
  }),

  GetTranscript: define({
    role: "viewer",
    data: z.strictObject({
      outcome: z.enum(["said", "refused", "dropped", "posted"]).optional(),
      limit: z.number().int().min(1).max(200).default(50),
    }),
    run: async (d, _c, deps) => ({
      lines: await need(deps.host, "the host plugin").transcript(d),
    }),
  }),

  /** Removes an uploaded asset; refused while a scene names it (the answer says which). */
  DeleteAsset: define({
    role: "admin",
    data: z.strictObject({
      path: z.string().max(120).regex(
        /^uploads\/[A-Za-z0-9][A-Za-z0-9_-]{0,79}\.(png|jpg|webp)$/,
        "an uploaded asset, e.g. uploads/genesis-1.png",
      ),
      reason,
    }),
    run: (d, caller, deps) => {
      const dir = need(deps.compositor, "the compositor").widgets.assets.dir;
      return audited(
        deps,
        caller,
        { action: "asset.delete", subject: d.path, reason: d.reason },
        async () => {
          const users = (await assetUses(deps.scenes)).get(d.path) ?? [];
          if (users.length) {
            throw new RequestError(
              409,
              `${d.path} is used by scene${users.length > 1 ? "s" : ""} ${
                users.join(", ")
              }: take it out of ${users.length > 1 ? "them" : "it"} first`,
            );
          }
          try {
            const gone = await deleteAsset(dir, d.path);
            return { before: gone, after: null, result: { deleted: d.path } };
          } catch (error) {
            if (error instanceof AssetError) throw new RequestError(404, error.message);
            throw error;
          }
        },
      );
    },
  }),

  ListAccounts: define({
    role: "admin",
    data: z.strictObject({}),
    run: async (_d, _c, deps) => ({ accounts: await deps.accounts.list() }),
  }),
};

export type Outcome =
  | { ok: true; data: unknown }
  | { ok: false; code: number; message: string };

/** Checks the role and the data, then runs the request. Never throws. */
export async function dispatch(
  type: string,
  data: unknown,
  caller: Caller,
  deps: RequestDeps,
): Promise<Outcome> {
  const def = Object.hasOwn(REQUESTS, type) ? REQUESTS[type] : undefined;
  if (!def) return { ok: false, code: 400, message: `unknown request type ${type.slice(0, 60)}` };
  if (!may(caller.session.role, def.role)) {
    await deps.audit.write({
      actor: caller.session.name,
      action: `denied.${type}`,
      reason: `needs the ${def.role} role; ${caller.session.name} is ${caller.session.role}`,
      outcome: "denied",
      ip: caller.ip,
    });
    return { ok: false, code: 403, message: `${type} needs the ${def.role} role` };
  }
  const parsed = def.data.safeParse(data ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const path = issue.path.map(String).join(".");
    return { ok: false, code: 400, message: `${path ? `${path}: ` : ""}${issue.message}` };
  }
  try {
    return { ok: true, data: await def.run(parsed.data, caller, deps) };
  } catch (error) {
    if (error instanceof RequestError) {
      return { ok: false, code: error.code, message: error.message };
    }
    return { ok: false, code: 500, message: messageOf(error) };
  }
}

export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
