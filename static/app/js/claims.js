// A claim (an assignment) as a line on a screen: its store, its state, where it leads.
import { h } from "/static/common/js/dom.js";
import { api } from "./api.js";
import { dateTime, t, timeLeft } from "./i18n.js";
import { word } from "./words.js";

/** Where a claim leads: its submission once there is one, else the claim itself. */
export function claimHref(assignment) {
  if (assignment.submission) return `#/submission/${encodeURIComponent(assignment.submission.id)}`;
  return `#/assignment/${encodeURIComponent(assignment.id)}`;
}

/** What state a claim is in, in words. */
export function claimState(assignment, now = new Date()) {
  if (assignment.submission) return word("submission.status", assignment.submission.status);
  if (assignment.status === "active") return `${t("assignment.status.active")} · ${timeLeft(assignment.expires_at, now)}`;
  return `${word("assignment.status", assignment.status)} · ${dateTime(assignment.ended_at || assignment.expires_at)}`;
}

/** A card linking to the claim. */
export function claimLink(assignment) {
  const store = assignment.store?.name || t("assignment.title");
  return h("a.card.link", { href: claimHref(assignment) },
    h("strong", store),
    h("span.muted", claimState(assignment)),
  );
}

/** The worker's latest claims, each with its submission (or null) beside it. */
export async function claimsWithSubmissions(limit = 50) {
  const [assignments, submissions] = await Promise.all([
    api("/me/assignments", { query: { limit } }),
    api("/me/submissions", { query: { limit } }),
  ]);
  const byAssignment = new Map(submissions.items.map((s) => [s.assignment_id, s]));
  return assignments.items.map((a) => ({ ...a, submission: byAssignment.get(a.id) ?? null }));
}

/** The submission made on claim `assignmentId`, or null. */
export async function submissionOf(assignmentId) {
  const submissions = await api("/me/submissions", { query: { limit: 50 } });
  return submissions.items.find((s) => s.assignment_id === assignmentId) ?? null;
}
