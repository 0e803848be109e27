// The builder's pay check: the API's quote (POST /campaigns/quote) of the reward over the
// estimate and the form's own time, asked again as the brand types, so the floor's rule and
// the form's timing live only on the server.
import { api } from "../api.js";
import { h } from "/static/common/js/dom.js";
import { say } from "../desk.js";
import { money, number, t, toMinor } from "../i18n.js";

const QUOTE_DELAY_MS = 400;

/** "11.20/h incl. 15 min travel: under the 12.00 floor by 0.80/h; 7.00 passes (0.50 more)." */
export function payText(answer, rewardMinor, currency) {
  const values = {
    rate: money(answer.effective_hourly_rate),
    travel: number(answer.travel_minutes),
    floor: money(answer.floor),
    least: money(answer.least_passing_reward),
  };
  if (answer.passes) return t("builder.payPasses", values);
  const gap = answer.floor.amount_minor - answer.effective_hourly_rate.amount_minor;
  const more = answer.least_passing_reward.amount_minor - rewardMinor;
  return t("builder.payUnder", {
    ...values,
    gap: money({ amount_minor: gap, currency }),
    more: money({ amount_minor: more, currency }),
  });
}

/** The quote of `body`; a form still being written (a question without its options, say)
 * is left out rather than silencing the check: then the estimate alone is judged. */
async function quoted(body, form) {
  const { questions, products } = form();
  try {
    return await api("/campaigns/quote", { method: "POST", body: { ...body, questions, products } });
  } catch (problem) {
    const fields = Object.keys(problem.problem?.errors || {});
    const formOnly = fields.length && fields.every((f) => /^(questions|products)\b/.test(f));
    if (!formOnly) throw problem;
    return api("/campaigns/quote", { method: "POST", body });
  }
}

/** The pay check for these inputs: {element (a polite live region), quote(), soon(), stop()};
 * `form()` gives the questions and products to time ({questions, products}). */
export function payCheck({ reward, minutes, currency, form = () => ({}) }) {
  const element = h("p.pay-check", { id: "pay-check", role: "status", "aria-live": "polite" }, t("builder.payPending"));
  let ticket = 0;
  let timer = null;

  function show(kind, text) {
    element.className = kind ? `pay-check ${kind}` : "pay-check";
    say(element, text);
  }
  async function quote() {
    const mine = ++ticket;
    const amount = toMinor(reward.value, currency);
    const estimate = Number(minutes.value);
    if (!amount || !Number.isInteger(estimate) || estimate < 1) {
      show(null, t("builder.payPending"));
      return;
    }
    try {
      const answer = await quoted({ reward: { amount_minor: amount, currency }, est_minutes: estimate }, form);
      let text = payText(answer, amount, currency);
      if (answer.form_minutes > estimate) text += ` ${t("questions.formMinutes", { minutes: number(answer.form_minutes) })}`;
      if (mine === ticket) show(answer.passes ? "ok" : "bad", text);
    } catch (problem) {
      if (mine === ticket) show("bad", problem.message); // else the brand typed on
    }
  }
  function soon() {
    window.clearTimeout(timer);
    timer = window.setTimeout(quote, QUOTE_DELAY_MS);
  }
  reward.addEventListener("input", soon);
  minutes.addEventListener("input", soon);
  return { element, quote, soon, stop: () => window.clearTimeout(timer) };
}
