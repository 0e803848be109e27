// The console's strings for recurring campaigns (the builder's schedule, the campaign page's
// rounds), merged into the catalogue by i18n.js.
export default {
  "rounds.repeatEvery": "Repeat every (days)",
  "rounds.repeatHint": "Optional. A new round of missions, one per store, opens this many days after the last (7 is weekly), each funded from your organisation's balance as it opens. Leave empty for one round.",
  "rounds.notWhole": "Enter a whole number of days from 1 to 365, or leave it empty.",
  "rounds.heading": "Rounds",
  "rounds.round": "Round",
  "rounds.every": "Round {round}, repeating every {days} days.",
  "rounds.nextOpens": "The next round opens {when}.",
  "rounds.allRounds": "All rounds",
  "rounds.roundN": "Round {round}",
  "rounds.trendHeading": "Out of stock by round",
  "rounds.store": "Store",
  "rounds.noneOut": "None out of stock",
  "rounds.notVisited": "No approved result",
  "rounds.held": "Round held: {detail}",
  "rounds.balance": "Organisation balance: {amount}. Each round is paid from it as it opens.",
  "rounds.topUp": "Top up (EUR)",
  "rounds.topUpButton": "Top up balance",
  "rounds.topUpNotMoney": "Enter an amount in euros, such as 50.00.",
  "rounds.toppedUp": "Balance topped up.",
};
