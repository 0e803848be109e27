// A brand's team: the members with their roles; an owner also invites people by mail, changes
// a member's role and removes a member (after a confirmation). Others read the list only.
import { api } from "../api.js";
import { announce, confirmDialog, fill, h, uid } from "/static/common/js/dom.js";
import { wide } from "../desk.js";
import { problemFields, showErrors } from "../forms.js";
import { t } from "../i18n.js";
import { ROLES, isOwner, roleName } from "../roles.js";
import { refresh } from "../session.js";
import { pageStart, table } from "./common.js";

export default {
  path: "#/team",
  title: t("team.title"),
  roles: ["brand"],
  nav: t("nav.team"),
  async render(main, { user, navigate }) {
    const owner = isOwner(user);
    const page = pageStart(main, user?.organisation
      ? t("team.heading", { name: user.organisation.name })
      : t("team.headingPlain"));
    const said = h("p.message", { role: "status" });
    const list = h("section", { "aria-labelledby": "team-members-heading" },
      h("h2", { id: "team-members-heading" }, t("team.members")), h("p.muted", t("app.loading")));
    const rows = h("div");
    list.append(rows);
    if (!owner) {
      const role = roleName(user?.organisation?.role || "viewer").toLowerCase();
      main.append(h("p", t("team.readOnly", { role })));
    }

    const acts = {
      say(text) {
        fill(page.error);
        fill(said, text);
        announce(text);
      },
      fail(problem) {
        fill(said);
        page.fail(problem.code === "last_owner" ? { message: t("team.lastOwner") } : problem);
      },
      async changed(memberId) {
        // The owner changed their own role: the pages they may see changed with it.
        if (memberId === user.id) {
          await refresh();
          navigate("#/team");
          return;
        }
        await show();
      },
    };

    async function show() {
      try {
        const organisation = await api("/organisation");
        list.querySelector("p.muted")?.remove();
        fill(rows, members(organisation.members, { owner, me: user?.id, acts }));
      } catch (problem) {
        page.fail(problem);
      }
    }

    if (owner) main.append(inviteForm(acts));
    main.append(said, list);
    await show();
  },
};

/** The members' table; an owner's has a role select, "Change role" and "Remove" per member. */
function members(people, { owner, me, acts }) {
  const columns = [
    [t("team.email"), (m) => h("span", { id: `member-${m.user_id}` }, m.email, m.user_id === me ? ` ${t("team.you")}` : "")],
    [t("team.name"), (m) => m.display_name],
    [t("team.role"), (m) => (owner ? roleControl(m, acts) : roleName(m.role))],
  ];
  if (owner) columns.push([t("team.actions"), (m) => removeButton(m, acts)]);
  return wide(table(t("team.caption", { count: people.length }), columns, people));
}

function roleControl(member, acts) {
  const id = uid("role");
  const select = h("select", { id, name: "role", "aria-describedby": `member-${member.user_id}` },
    ROLES.map((role) => h("option", { value: role, selected: role === member.role }, roleName(role))));
  const change = h("button", {
    type: "button",
    "aria-describedby": `member-${member.user_id}`,
    onclick: async () => {
      const role = select.value;
      if (role === member.role) {
        acts.say(t("team.sameRole", { email: member.email, role: roleName(role).toLowerCase() }));
        return;
      }
      change.disabled = true;
      try {
        await api(`/organisation/members/${encodeURIComponent(member.user_id)}`, { method: "PATCH", body: { role } });
        await acts.changed(member.user_id);
        acts.say(t("team.roleChanged", { email: member.email, role: roleName(role).toLowerCase() }));
      } catch (problem) {
        select.value = member.role;
        acts.fail(problem);
      } finally {
        change.disabled = false;
      }
    },
  }, t("team.changeRole"));
  return h("div.toolbar", h("label.visually-hidden", { for: id }, t("team.role")), select, change);
}

function removeButton(member, acts) {
  const name = t("team.removeOf", { email: member.email });
  const button = h("button.danger", {
    type: "button",
    "aria-label": name,
    onclick: async () => {
      const sure = await confirmDialog({
        title: t("team.removeTitle", { email: member.email }),
        text: t("team.removeText"),
        confirm: t("team.remove"),
        cancel: t("app.cancel"),
      });
      if (!sure) return;
      button.disabled = true;
      try {
        await api(`/organisation/members/${encodeURIComponent(member.user_id)}`, { method: "DELETE" });
        await acts.changed(null);
        acts.say(t("team.removed", { email: member.email }));
      } catch (problem) {
        button.disabled = false;
        acts.fail(problem);
      }
    },
  }, t("team.remove"));
  return button;
}

/** "Invite": Email and Role, "Send invitation"; errors in a summary linking to the field. */
function inviteForm(acts) {
  const emailId = uid("invite-email");
  const roleId = uid("invite-role");
  const summary = h("div");
  const button = h("button.primary", { type: "submit" }, t("team.sendInvitation"));
  const email = h("input", { id: emailId, name: "email", type: "email", autocomplete: "off", required: true, maxlength: 254 });
  const role = h("select", { id: roleId, name: "role", "aria-describedby": `${roleId}-hint` },
    ROLES.map((r) => h("option", { value: r, selected: r === "viewer" }, roleName(r))));
  const form = h("form.card", { id: "team-invite", novalidate: true, "aria-labelledby": "team-invite-heading" },
    h("h2", { id: "team-invite-heading" }, t("team.invite")),
    summary,
    h("p.muted", t("team.inviteIntro")),
    h("div.field", { dataset: { field: "email" } },
      h("label", { for: emailId }, t("team.inviteEmail")), h("p.field-error"), email),
    h("div.field", { dataset: { field: "role" } },
      h("label", { for: roleId }, t("team.inviteRole")),
      h("p.muted.small", { id: `${roleId}-hint` }, t("team.roleHint")), h("p.field-error"), role),
    button);
  const errors = (found, detail = null) =>
    showErrors(form, summary, { errors: found, detail });

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const address = email.value.trim();
    if (!address) {
      errors({ email: [t("team.emailMissing")] });
      return;
    }
    errors({});
    const chosen = role.value;
    button.disabled = true;
    button.textContent = t("team.sending");
    try {
      await api("/organisation/invites", { method: "POST", body: { email: address, role: chosen } });
      form.reset();
      acts.say(t("team.invited", { email: address, role: roleName(chosen).toLowerCase() }));
    } catch (problem) {
      const found = problemFields(problem.problem);
      if (problem.code === "account_exists") found.email = [t("team.accountExists")];
      errors(found, Object.keys(found).length ? null : problem.message);
    } finally {
      button.disabled = false;
      button.textContent = t("team.sendInvitation");
    }
  });
  return form;
}
