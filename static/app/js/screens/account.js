// Account: who is signed in, the data export, erasing the account (the balance paid out
// first with a final payout request), and "Sign out".
import { announce, confirmDialog, fill, h, saveBlob, uid } from "/static/common/js/dom.js";
import { api, idempotencyKey } from "../api.js";
import { busy, errorLine, statusLine } from "../form.js";
import { chooseLanguage, language, money, t } from "../i18n.js";
import { forget, refresh } from "../session.js";
import { bankForm, payoutProblem } from "./money.js";

async function download(button, error, said) {
  await busy(button, t("account.export"), error, async () => {
    const response = await api("/me/export", { raw: true });
    saveBlob(await response.blob(), `fairfield-export-${new Date().toISOString().slice(0, 10)}.json`);
    fill(said, t("account.exported"));
  });
}

async function erase(navigate) {
  await api("/me", { method: "DELETE" });
  forget();
  announce(t("account.erased"));
  navigate("#/signin");
}

// With money left, the erase button asks where to pay it first: a final payout request.
function eraseSection(profile, navigate) {
  const error = errorLine();
  const owed = profile.balance && profile.balance.amount_minor > 0;
  const section = h("section", h("h2", t("account.erase")), h("p", t("account.eraseText")));
  if (owed) {
    const key = idempotencyKey();
    const form = bankForm({
      label: t("account.erase"),
      busyText: t("account.erase"),
      onSubmit: async (bank) => {
        const sure = await confirmDialog({
          title: t("account.finalTitle", { money: money(profile.balance) }),
          text: t("account.finalConfirm", { money: money(profile.balance), iban: bank.iban }),
          confirm: t("account.eraseYes"),
          cancel: t("app.cancel"),
        });
        if (!sure) return;
        try {
          await api("/me/payout-requests", { method: "POST", body: { ...bank, final: true }, headers: { "Idempotency-Key": key } });
        } catch (problem) {
          throw new Error(payoutProblem(problem, profile));
        }
        await erase(navigate);
      },
    });
    section.append(h("p", t("account.finalText", { money: money(profile.balance) })), form);
    return section;
  }
  const button = h("button.danger.wide", { type: "button" }, t("account.erase"));
  button.addEventListener("click", async () => {
    const sure = await confirmDialog({
      title: t("account.eraseTitle"),
      text: t("account.eraseConfirm"),
      confirm: t("account.eraseYes"),
      cancel: t("app.cancel"),
    });
    if (sure) await busy(button, t("account.erase"), error, () => erase(navigate));
  });
  section.append(error, button);
  return section;
}

const LANGUAGES = { en: "English", fr: "Français", nl: "Nederlands" };

// The app's language; the account's locale follows when the API keeps one (PATCH /me), so
// that mails and refusals come in it too.
function languagePicker(profile, redraw) {
  const id = uid();
  const select = h("select", { id },
    Object.entries(LANGUAGES).map(([code, name]) =>
      h("option", { value: code, lang: code, selected: code === language() }, name)));
  select.addEventListener("change", async () => {
    chooseLanguage(select.value);
    if (profile && "locale" in profile) {
      await api("/me", { method: "PATCH", body: { locale: select.value } }).catch((error) => console.warn(error));
    }
    redraw();
  });
  return h("div.field", h("label", { for: id }, t("account.language")), select);
}

export default {
  path: "#/account",
  title: () => t("account.title"),
  async render(main, { navigate, signOut }) {
    const error = errorLine();
    fill(main, h("h1", t("account.title")), h("p.muted", t("app.loading")), error);
    let profile;
    try {
      profile = await refresh();
    } catch (problem) {
      fill(main, h("h1", t("account.title")), error);
      fill(error, problem.message);
    }
    const said = statusLine();
    const exportButton = h("button.wide", { type: "button" }, t("account.export"));
    exportButton.addEventListener("click", () => download(exportButton, error, said));
    const signOutButton = h("button.wide", { type: "button", id: "sign-out" }, t("account.signOut"));
    signOutButton.addEventListener("click", () => signOut());
    const who = profile
      ? h("dl.facts",
        h("dt", t("account.email")),
        h("dd", profile.email, profile.email_verified === undefined ? "" : ` (${t(profile.email_verified ? "account.verified" : "account.unverified")})`))
      : null;
    fill(main,
      h("h1", profile ? profile.display_name : t("account.title")),
      who,
      languagePicker(profile, () => navigate("#/account")),
      h("div.actions", signOutButton),
      error,
      said,
      h("h2", t("account.privacy")),
      h("p", t("account.exportText")),
      h("div.actions", exportButton),
      profile ? eraseSection(profile, navigate) : null,
    );
  },
};
