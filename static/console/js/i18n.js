// The console's strings on the shared i18n module: English only (its one catalogue), loaded
// before any console module can ask for a string, since they all import this module.
import { extend, useLanguages } from "/static/common/js/i18n.js";
import en from "../strings/en.js";
import integrations from "../strings/integrations.js";
import questions from "../strings/questions.js";
import rounds from "../strings/rounds.js";
import team from "../strings/team.js";

useLanguages(["en"]);
extend({ en });
extend({ en: team });
extend({ en: integrations });
extend({ en: questions });
extend({ en: rounds });

export * from "/static/common/js/i18n.js";
