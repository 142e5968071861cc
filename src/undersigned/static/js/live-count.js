// Keeps the count on a letter page fresh while someone watches it. The page works without
// it, showing the count as it was when loaded.
//
// It asks for count.json with `cache: "no-cache"`: the browser sends the ETag it holds, and
// while the count stands still the page cache answers 304, with no body. It asks every
// second (data-poll-ms on the number overrides that), less and less often the longer the
// count stays put, and not at all while the tab is hidden; shown again, it asks at once.
//
// The visible number is no live region, which would have a screen reader read out every
// change of a busy letter. A separate polite status ([data-count-status]) says the count
// at most once every 30 seconds, and at once when the goal is reached.
(() => {
  const number = document.querySelector("[data-count-url]");
  const status = document.querySelector("[data-count-status]");
  if (!number || !status || !window.fetch) return;
  const label = document.querySelector(".count-label");
  const progress = document.querySelector("progress.goal");
  const language = document.documentElement.lang || undefined;
  const integer = new Intl.NumberFormat(language);
  const percent = new Intl.NumberFormat(language, { style: "percent" });

  const EVERY_MS = Number(number.dataset.pollMs) || 1000;
  const QUIET_ANSWERS = 10; // unchanged answers in a row before it asks less often
  const SLOWEST_MS = 30 * EVERY_MS;
  const ANNOUNCE_EVERY_MS = 30_000;

  let total = Number(number.dataset.total); // what the page shows
  let quiet = 0;
  let timer = null;
  let asking = false;
  let announced = { total, at: -Infinity };

  // The server's words stand: "1 240" grouped as the page's language groups it, and
  // "150+" or "fewer than 5" on letters counted in steps, exactly as the page without us.
  const numberText = (data) => data.display || integer.format(data.total_signatures);

  const show = (data) => {
    const text = numberText(data);
    if (number.textContent !== text) number.textContent = text;
    if (label && data.label && label.textContent !== data.label) label.textContent = data.label;
    if (progress && data.goal) {
      progress.max = data.goal;
      progress.value = data.total_signatures;
      const done = Math.min(100, Math.round((100 * data.total_signatures) / data.goal));
      progress.textContent = percent.format(done / 100);
    }
  };

  // A count the status has not said yet is said once ANNOUNCE_EVERY_MS has passed since it
  // last spoke, by whichever answer comes then; reaching the goal is said at once.
  const announce = (data, now) => {
    if (data.total_signatures === announced.total) return;
    const reached = data.goal && data.total_signatures >= data.goal && announced.total < data.goal;
    if (!reached && now - announced.at < ANNOUNCE_EVERY_MS) return;
    const words = `${numberText(data)} ${data.label}`;
    status.textContent = reached ? `${status.dataset.goalReached} ${words}` : words;
    announced = { total: data.total_signatures, at: now };
  };

  const received = (data) => {
    if (!data || data.total_signatures === total) {
      quiet += 1;
    } else {
      total = data.total_signatures;
      quiet = 0;
    }
    if (!data) return;
    show(data);
    announce(data, Date.now());
  };

  const delay = () =>
    quiet < QUIET_ANSWERS
      ? EVERY_MS
      : Math.min(SLOWEST_MS, EVERY_MS * 2 ** (quiet - QUIET_ANSWERS + 1));

  const schedule = () => {
    clearTimeout(timer);
    timer = document.hidden ? null : setTimeout(ask, delay());
  };

  function ask() {
    asking = true;
    fetch(number.dataset.countUrl, { cache: "no-cache", headers: { Accept: "application/json" } })
      .then((response) => (response.ok ? response.json() : null))
      .catch(() => null) // offline for a moment, say: as an unchanged count
      .then(received)
      .finally(() => {
        asking = false;
        schedule();
      });
  }

  document.addEventListener("visibilitychange", () => {
    clearTimeout(timer);
    timer = null;
    if (document.hidden) return;
    quiet = 0;
    if (!asking) ask(); // else the answer on its way schedules the next
  });
  schedule();
})();
