/**
 * `main.ts admin add <name> --role <role> | list | disable <name> | reset <name> | rekey`:
 * accounts from the command line, each change audited (actor `cli`). `add` and
 * `reset` print the one-time setup link; nothing else ever shows a secret. `rekey`
 * seals what the panel keeps sealed (TOTP secrets, addresses: admin/sealed.ts) with
 * SECRETS_KEY (after a rotation, with the old key in SECRETS_KEY_PREVIOUS), in one
 * transaction, audited, and prints only counts and key ids; `main.ts rekey` does every
 * plugin's at once.
 */
import type { PluginCommand } from "../core/plugin.ts";
import { engineLeads } from "../core/lease.ts";
import { describeResealed } from "../core/sealed_columns.ts";
import { AccountError, accounts, ROLES } from "./accounts.ts";
import { auditLog } from "./audit.ts";
import type { AdminConfig } from "./config.ts";
import { resealAdmin } from "./sealed.ts";

const USAGE = [
  "admin add <name> --role viewer|operator|admin",
  "admin list",
  "admin disable <name>",
  "admin rekey",
  "admin reset <name>",
];

export const adminCommand: PluginCommand<AdminConfig> = {
  summary: "panel accounts: add (prints a one-time setup link), list, disable, reset",
  usage: USAGE.join("\n       main.ts "),
  options: { role: { type: "string", short: "r" } },
  async run(ctx, values, positionals) {
    const [verb, name, ...extra] = positionals;
    const box = ctx.secrets;
    const store = accounts({
      box,
      db: ctx.db,
      now: () => ctx.clock.instant(),
      setupMinutes: ctx.config.setupLinkMinutes,
      issuer: ctx.config.issuer,
    });
    const audit = auditLog(ctx.db, () => ctx.clock.instant(), box);
    const link = (token: string, expiresAt: Temporal.Instant) => {
      ctx.print(`setup link (one use, expires ${
        expiresAt.toZonedDateTimeISO("America/New_York")
          .toPlainTime().toString({ smallestUnit: "minute" })
      } New York time, in ${ctx.config.setupLinkMinutes} minutes):`);
      ctx.print(`${ctx.config.publicUrl.replace(/\/+$/, "")}/admin/setup#${token}`);
    };
    const needName = () => {
      if (!name || extra.length) {
        throw new AccountError(`usage: main.ts ${USAGE.find((u) => u.includes(verb))}`);
      }
      return name;
    };
    try {
      switch (verb) {
        case "add": {
          const role = String(values.role ?? "");
          if (!role) throw new AccountError(`give --role: ${ROLES.join(", ")}`);
          const { token, expiresAt } = await store.add(needName(), role);
          await audit.write({
            actor: "cli",
            action: "account.add",
            subject: name,
            outcome: "ok",
            after: { role, status: "pending" },
          });
          ctx.print(`account ${name} (${role}) created`);
          link(token, expiresAt);
          return 0;
        }
        case "reset": {
          const before = await store.get(needName());
          const { token, expiresAt } = await store.reset(name);
          await audit.write({
            actor: "cli",
            action: "account.reset",
            subject: name,
            outcome: "ok",
            before: before && { status: before.status },
            after: { status: "pending" },
          });
          ctx.print(`account ${name} reset: password, TOTP, recovery codes and sessions are gone`);
          link(token, expiresAt);
          return 0;
        }
        case "disable": {
          const before = await store.get(needName());
          await store.disable(name);
          await audit.write({
            actor: "cli",
            action: "account.disable",
            subject: name,
            outcome: "ok",
            before: before && { status: before.status },
            after: { status: "disabled" },
          });
          ctx.print(`account ${name} disabled; its sessions have ended`);
          return 0;
        }
        case "rekey": {
          // A running engine keeps the key it started with (as `main.ts rekey` refuses too).
          if (await engineLeads(ctx.db)) {
            throw new AccountError(
              "an engine leads this database: stop the engines first, or restart them with the new key (a start re-seals the same way)",
            );
          }
          const done = await ctx.db.transaction((tx) => resealAdmin(tx, box));
          await audit.write({
            actor: "cli",
            action: "secrets.rekey",
            subject: box.keyId,
            outcome: "ok",
            after: { tables: done },
          });
          ctx.print(`sealed with key ${box.keyId} (from the ${ctx.secretsSource}):`);
          for (const line of describeResealed(done)) ctx.print(`  ${line}`);
          return 0;
        }
        case "list": {
          const rows = await store.list();
          if (!rows.length) {
            ctx.print("no accounts: add one with main.ts admin add <name> --role admin");
          }
          for (const a of rows) {
            const setup = a.status === "pending" && a.setupExpiresAt
              ? a.setupExpiresAt.getTime() > Date.now()
                ? " (setup link waiting)"
                : " (setup link expired)"
              : "";
            ctx.print(`${a.name.padEnd(24)} ${a.role.padEnd(9)} ${a.status}${setup}`);
          }
          return 0;
        }
        default:
          console.error(`usage: main.ts ${USAGE.join("\n       main.ts ")}`);
          return 2;
      }
    } catch (error) {
      if (!(error instanceof AccountError)) throw error;
      console.error(`admin ${verb}: ${error.message}`);
      return 1;
    }
  },
};
