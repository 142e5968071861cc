// The proof-of-work challenge of a sign form (templates/signing/_challenge.html,
// docs/challenge.md). The ALTCHA widget is fetched and solves in web workers from the
// signer's first touch of the form, so a solution is usually ready before they press the button. A form sent
// while it is still solving waits for it, with a line saying so; once the widget is done,
// or has failed, the form goes, with or without a solution: the server decides whether it
// needed one. When it did (data-required), the browser solves at once and sends the form
// again by itself, once a minute at most and never after a failure, so that a refused
// solution cannot start a loop.
const ALGORITHM = "PBKDF2/SHA-256";
const RESENT_KEY = "undersigned.challenge.resent";
const RESEND_AFTER_MS = 60_000;

for (const box of document.querySelectorAll("[data-sign-challenge]")) setUp(box);

// The widget (its script and its styles, most of a letter page's weight) is fetched on the
// signer's first touch of the form, or at once when the server asks for a solution: a
// reader who never signs never downloads it.
function widgetLoad(box) {
  if (!document.querySelector(`link[href="${box.dataset.style}"]`)) {
    const style = document.createElement("link");
    style.rel = "stylesheet";
    style.href = box.dataset.style;
    document.head.append(style);
  }
  return import(box.dataset.widget);
}

function setUp(box) {
  const form = box.closest("form");
  const widget = box.querySelector("altcha-widget");
  const status = box.querySelector("[data-challenge-status]");
  if (!form || !widget) return;
  // Who is waiting for the solution: null, "signer" (they sent the form) or "server".
  let waiting = null;
  let submitter = null;
  // Whether the widget's script is on its way: a form sent meanwhile waits for it.
  let loading = false;

  const state = () => (typeof widget.getState === "function" ? widget.getState() : null);
  const say = (text) => {
    if (status.textContent !== text) status.textContent = text;
  };
  const solve = () => {
    const now = state();
    if (now === "unverified" || now === "expired") widget.verify();
  };
  const wait = (who, button) => {
    waiting = who;
    submitter = button && button.form === form ? button : null;
    say(box.dataset.checking);
  };
  const send = () => {
    waiting = null;
    if (form.requestSubmit) form.requestSubmit(submitter);
    else form.submit();
  };

  // Whether a submit must wait: the widget is solving, or its solution has expired (a new
  // one is started). Otherwise the form goes at once, solved or not.
  const mustWait = () => {
    const now = state();
    if (now === null) return loading;
    if (now === "expired") widget.verify();
    return now === "expired" || now === "verifying";
  };
  // Press or Enter on a submit button: the click comes before the browser checks the form,
  // so the hidden field the widget marks required while solving never blocks the submit.
  form.addEventListener(
    "click",
    (event) => {
      const button = event.target.closest("button, input");
      if (!button || button.type !== "submit" || button.form !== form || !mustWait()) return;
      event.preventDefault();
      wait("signer", button);
    },
    true,
  );
  form.addEventListener(
    "submit",
    (event) => {
      if (!mustWait()) return;
      event.preventDefault();
      wait("signer", event.submitter);
    },
    true,
  );
  widget.addEventListener("statechange", () => {
    const now = state();
    // "unverified" also passes by as a solve starts; only an outcome ends the wait.
    if (!waiting || !["verified", "error", "expired"].includes(now)) return;
    if (waiting === "signer") {
      if (now === "verified") say(box.dataset.sending);
      send();
    } else if (now !== "verified") {
      waiting = null;
      say(box.dataset.failed);
    } else if (!resendAllowed(form)) {
      waiting = null;
      say(box.dataset.again);
    } else {
      say(box.dataset.sending);
      send();
    }
  });

  const start = () => {
    loading = false;
    form.addEventListener("focusin", solve);
    // The touch that fetched the widget, or a press while it came, asks for a solution now.
    if (waiting || form.contains(document.activeElement)) solve();
    if (!box.hasAttribute("data-required")) return;
    wait("server", form.querySelector('button:not([type]), button[type="submit"], input[type="submit"]'));
    solve();
  };
  const load = () => {
    if (loading || state()) return;
    loading = true;
    widgetLoad(box).then(
      () => {
        // Our own worker file, not the blob: worker the widget's default build makes.
        globalThis.$altcha.algorithms.set(ALGORITHM, () => new Worker(box.dataset.worker));
        // Its methods exist once it has mounted, which may be before or after this runs.
        if (state()) start();
        else widget.addEventListener("load", start, { once: true });
      },
      () => {
        // No widget: the form goes as it is, and the server decides.
        loading = false;
        if (waiting === "signer") send();
        waiting = null;
      },
    );
  };
  if (box.hasAttribute("data-required")) load();
  else {
    form.addEventListener("focusin", load, { once: true });
    form.addEventListener("pointerdown", load, { once: true });
  }
}

function resendAllowed(form) {
  // sessionStorage belongs to this tab alone and leaves the browser with no request.
  const key = `${RESENT_KEY}:${form.action}`;
  try {
    const last = Number(sessionStorage.getItem(key) || 0);
    if (Date.now() - last < RESEND_AFTER_MS) return false;
    sessionStorage.setItem(key, String(Date.now()));
  } catch (error) {
    // Storage refused (a private window): resend, as the first time.
  }
  return true;
}
