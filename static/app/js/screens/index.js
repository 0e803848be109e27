// Every screen of the worker app. A screen is {path: "#/name/:param", title: () => text,
// public: true when it needs no sign-in, render(main, params)}; render may return a function
// run when the worker leaves the screen. params: the path's params, `query`, `user` (the
// profile, null offline), `navigate(hash)`, `signOut()` (asks first when work is queued).
// app-task's screens (task, uploads) join this list.
import account from "./account.js";
import assignment from "./assignment.js";
import find from "./find.js";
import forgot from "./forgot.js";
import home from "./home.js";
import mission from "./mission.js";
import money from "./money.js";
import signin from "./signin.js";
import signup from "./signup.js";
import submission from "./submission.js";
import task from "./task.js";
import uploads from "./uploads.js";

export default [signin, signup, forgot, home, find, mission, assignment, task, submission, uploads, money, account];
