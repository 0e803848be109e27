// Home: the worker's level and balance, a reminder to confirm their email, and their claims.
import { announce, fill, h } from "/static/common/js/dom.js";
import { api } from "../api.js";
import { claimLink, claimsWithSubmissions } from "../claims.js";
import { errorLine } from "../form.js";
import { money, number, t } from "../i18n.js";
import { fresh } from "../session.js";

function standing(profile) {
  return h("dl.figures",
    h("div", h("dt", t("home.level")), h("dd", profile.level ? t(`home.levels.${profile.level}`) : "")),
    h("div", h("dt", t("home.balance")), h("dd", money(profile.balance))),
    h("div", h("dt", t("home.approved")), h("dd", number(profile.approved_missions ?? 0))),
  );
}

function verifyNotice(profile) {
  if (profile.email_verified !== false) return null;
  const said = h("p.message", { role: "status" });
  const again = h("button", { type: "button" }, t("home.resend"));
  again.addEventListener("click", async () => {
    again.disabled = true;
    try {
      await api("/me/verification-email", { method: "POST" });
      fill(said, t("home.resent"));
    } catch (error) {
      fill(said, error.message);
      again.disabled = false;
    }
  });
  return h("section.notice", h("p", t("home.unverified", { email: profile.email })), again, said);
}

export default {
  path: "#/home",
  title: () => t("home.title"),
  async render(main) {
    const error = errorLine();
    fill(main, h("h1", t("home.title")), h("p.muted", t("app.loading")), error);
    let profile;
    let assignments;
    try {
      [profile, assignments] = await Promise.all([fresh(), claimsWithSubmissions()]);
    } catch (problem) {
      fill(main, h("h1", t("home.title")), error);
      fill(error, problem.message);
      return;
    }
    const claims = assignments.length
      ? h("ul.cards", { "aria-label": t("home.claimsList") }, assignments.map((item) => h("li", claimLink(item))))
      : h("p", t("home.noClaims"));
    fill(main,
      h("h1", t("home.hello", { name: profile.display_name })),
      standing(profile),
      verifyNotice(profile),
      h("h2", t("home.claims")),
      claims,
      h("p", h("a.button.primary.wide", { href: "#/find" }, t("home.find"))),
    );
    announce(t("home.hello", { name: profile.display_name }));
  },
};
