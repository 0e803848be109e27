// A brand member's roles in the organisation, in words, and who may do what on the console.
import { t } from "./i18n.js";

export const ROLES = ["owner", "manager", "viewer"];

/** A role in words ("Manager"). */
export function roleName(role) {
  return ROLES.includes(role) ? t(`team.role.${role}`) : role;
}

/** Whether the signed-in person is their organisation's owner. */
export function isOwner(profile) {
  return profile?.organisation?.role === "owner";
}

/** Whether the signed-in person manages their organisation's integrations (owner, manager). */
export function canManage(profile) {
  return ["owner", "manager"].includes(profile?.organisation?.role);
}
