// Money: the balance, the earnings lines, "Request payout" to an IBAN, and each payout's state.
import { announce, fill, h } from "/static/common/js/dom.js";
import { api, idempotencyKey } from "../api.js";
import { busy, errorLine, field, statusLine } from "../form.js";
import { dateTime, money, t } from "../i18n.js";
import { refresh } from "../session.js";
import { word } from "../words.js";

function lines(earnings) {
  if (!earnings.items.length) return h("p", t("money.noLines"));
  return h("ul.lines", earnings.items.map((line) =>
    h("li",
      h("span", word("money.kind", line.kind), h("br"), h("span.muted", dateTime(line.created_at))),
      h("span.amount", money(line.amount)))));
}

function payouts(requests) {
  if (!requests.items.length) return h("p", t("money.noPayouts"));
  return h("ul.lines", requests.items.map((payout) =>
    h("li",
      h("span", t("money.payoutLine", { money: money(payout.amount), iban: payout.iban }), h("br"),
        h("span.muted", dateTime(payout.paid_at || payout.requested_at))),
      h("span.amount", word("money.status", payout.status), payout.late ? ` (${t("money.late")})` : ""))));
}

/** What a refused payout request says: an unconfirmed address in the app's words. */
export function payoutProblem(problem, profile) {
  if (problem.code === "email_unverified") return t("money.unverified", { email: profile?.email ?? "" });
  return problem.message;
}

/** The IBAN and holder fields and the button, as the money and account screens ask them. */
export function bankForm({ label, onSubmit, busyText }) {
  const iban = field(t("money.iban"), { name: "iban", autocomplete: "off", autocapitalize: "characters", spellcheck: "false", required: true });
  const holder = field(t("money.holder"), { name: "holder_name", autocomplete: "name", required: true });
  const error = errorLine();
  const submit = h("button.primary.wide", { type: "submit" }, label);
  const form = h("form.stack", { novalidate: true }, iban.element, holder.element, error, submit);
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    busy(submit, busyText, error, () => onSubmit({ iban: iban.control.value.trim(), holder_name: holder.control.value.trim() }, error));
  });
  return form;
}

export default {
  path: "#/money",
  title: () => t("money.title"),
  async render(main) {
    const error = errorLine();
    fill(main, h("h1", t("money.title")), h("p.muted", t("app.loading")), error);
    const draw = async (note = "") => {
      let earnings;
      let requests;
      let profile;
      try {
        [earnings, requests, profile] = await Promise.all([
          api("/me/earnings", { query: { limit: 50 } }),
          api("/me/payout-requests", { query: { limit: 20 } }),
          refresh(),
        ]);
      } catch (problem) {
        fill(main, h("h1", t("money.title")), error);
        fill(error, problem.message);
        return;
      }
      const said = statusLine();
      fill(said, note);
      const key = idempotencyKey();
      const form = bankForm({
        label: t("money.request"),
        busyText: t("money.requesting"),
        onSubmit: async (bank) => {
          let made;
          try {
            made = await api("/me/payout-requests", { method: "POST", body: bank, headers: { "Idempotency-Key": key } });
          } catch (problem) {
            throw new Error(payoutProblem(problem, profile));
          }
          const sentence = t("money.requested", { money: money(made.amount) });
          announce(sentence);
          await draw(sentence);
        },
      });
      fill(main,
        h("h1", t("money.title")),
        h("h2", t("money.balance")),
        h("p.big", money(earnings.balance)),
        said,
        h("h2", t("money.requestHeading")),
        form,
        h("h2", t("money.payouts")),
        payouts(requests),
        h("h2", t("money.lines")),
        lines(earnings),
      );
    };
    await draw();
  },
};
