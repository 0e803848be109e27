// A recurring campaign's rounds on its page: where the rounds stand, a "Round" select that
// filters the results (the address carries ?round=N), and the table "Out of stock by round".
import { api } from "../api.js";
import { announce, fill, h } from "/static/common/js/dom.js";
import { wide } from "../desk.js";
import { dateTime, money, t, toMinor } from "../i18n.js";
import { table } from "./common.js";

/** The rounds section, or null for a campaign of one round that never repeated. */
export function roundsSection(campaign, { path, round, navigate }) {
  const state = campaign.rounds;
  if (!state || (!campaign.schedule && state.current <= 1)) return null;
  const id = "rounds-round";
  const select = h("select", { id, name: "round" },
    h("option", { value: "" }, t("rounds.allRounds")),
    Array.from({ length: state.current }, (_, i) => h("option", { value: String(i + 1) }, t("rounds.roundN", { round: i + 1 }))));
  select.value = round || "";
  select.addEventListener("change", () => {
    const chosen = select.value ? `?round=${encodeURIComponent(select.value)}` : "";
    navigate(`#/campaign/${encodeURIComponent(campaign.id)}${chosen}`);
  });
  const trend = h("div", h("p.muted", t("app.loading")));
  const section = h("section", { "aria-labelledby": "rounds-heading" },
    h("h2", { id: "rounds-heading" }, t("rounds.heading")),
    campaign.schedule
      ? h("p", t("rounds.every", { round: state.current, days: campaign.schedule.every_days }),
        state.next_opens_at ? ` ${t("rounds.nextOpens", { when: dateTime(state.next_opens_at) })}` : "")
      : null,
    // In words, with a marker that is not colour alone.
    state.hold ? h("p.message.warning", { role: "status" }, "⚠ ", t("rounds.held", { detail: state.hold.detail })) : null,
    campaign.schedule ? balanceForm() : null,
    h("div.field", h("label", { for: id }, t("rounds.round")), select),
    trend);
  api(`${path}/results/out-of-stock-trend`)
    .then((found) => fill(trend, trendTable(found)))
    .catch((problem) => fill(trend, h("p.message.error", { role: "alert" }, problem.message)));
  return section;
}

/** The organisation's balance, which funds each round as it opens, and a top-up (owners; the
 * server says so in words to anyone else). */
function balanceForm() {
  const shown = h("p", { id: "rounds-balance", role: "status" });
  const input = h("input", { id: "rounds-top-up", type: "text", inputmode: "decimal", autocomplete: "off", "aria-describedby": "rounds-top-up-error" });
  const error = h("p.field-error", { id: "rounds-top-up-error" });
  const show = (balance) => fill(shown, t("rounds.balance", { amount: money(balance) }));
  api("/organisation/balance").then((found) => show(found.balance)).catch(() => fill(shown, ""));
  const fail = (message) => {
    input.setAttribute("aria-invalid", "true");
    fill(error, message);
    input.focus();
  };
  const form = h("form.toolbar", { novalidate: true },
    h("div.field", h("label", { for: input.id }, t("rounds.topUp")), error, input),
    h("button", { type: "submit" }, t("rounds.topUpButton")));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const amount = toMinor(input.value, "EUR");
    if (!amount) {
      fail(t("rounds.topUpNotMoney"));
      return;
    }
    try {
      const found = await api("/organisation/balance/top-ups", { method: "POST", body: { amount: { amount_minor: amount, currency: "EUR" } } });
      input.removeAttribute("aria-invalid");
      input.value = "";
      fill(error, "");
      show(found.balance);
      announce(t("rounds.toppedUp"));
    } catch (problem) {
      fail(problem.message);
    }
  });
  return h("div", shown, form);
}

function trendTable(found) {
  const cell = (entry) => {
    if (!entry || entry.out_of_stock === null) return h("span.muted", t("rounds.notVisited"));
    return entry.out_of_stock.length ? entry.out_of_stock.join(", ") : t("rounds.noneOut");
  };
  return wide(table(t("rounds.trendHeading"), [
    [t("rounds.store"), (item) => item.store.name],
    ...found.rounds.map((n) => [t("rounds.roundN", { round: n }), (item) => cell(item.rounds.find((r) => r.round === n))]),
  ], found.items));
}
