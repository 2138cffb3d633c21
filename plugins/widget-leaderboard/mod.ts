/** widget-leaderboard: the `leaderboard` widget, the lot's top bidders (leaderboard.ts). */
import { widgetPlugin } from "../compositor/mod.ts";
import { leaderboard } from "./leaderboard.ts";

export default widgetPlugin(leaderboard);
