// Every page of the console, in navigation order. A page is
// {path: "#/name", title, roles: ["admin"|"brand"] (empty: anyone), allows (optional:
// profile → whether this person may open it, e.g. owners only), nav (its link's name, or
// none), render(main, params)}; render may return a function run when the reader leaves.
import apiKeys from "./api-keys.js";
import appeals from "./appeals.js";
import auditLog from "./audit-log.js";
import builder from "./builder.js";
import campaign from "./campaign.js";
import campaigns from "./campaigns.js";
import fairness from "./fairness.js";
import payouts from "./payouts.js";
import review from "./review.js";
import signin from "./signin.js";
import status from "./status.js";
import stores from "./stores.js";
import team from "./team.js";
import webhooks from "./webhooks.js";

export default [review, appeals, payouts, fairness, campaigns, stores, team, auditLog, apiKeys, webhooks, builder, campaign, signin, status];
