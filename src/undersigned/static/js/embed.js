// The sign form of an undersigned letter, in your page. Paste the snippet from the letter's
// share panel:
//
//   <div data-undersigned-embed="https://letters.example/letters/its-slug/embed/">
//     <a href="https://letters.example/letters/its-slug/">Sign: its title</a>
//   </div>
//   <script src="https://letters.example/static/js/embed.js" async></script>
//
// Each such <div> becomes a frame of the form, as wide as the <div> and as tall as the form
// says it is (it tells its height by postMessage: js/embed-height.js). Without JavaScript
// the link stays, and leads to the letter. The script loads nothing else, sets no cookie
// and listens only to messages from the frames it made.
(() => {
  const MESSAGE = "undersigned:height";
  const FIRST_HEIGHT = 640; // until the form says how tall it is
  const TALLEST = 10000;
  const frames = new Map(); // a frame's window -> [the frame, our origin]

  window.addEventListener("message", (event) => {
    const known = frames.get(event.source);
    if (!known || event.origin !== known[1]) return;
    const data = event.data;
    if (!data || data.type !== MESSAGE || !Number.isFinite(data.height)) return;
    known[0].style.height = `${Math.min(TALLEST, Math.max(0, Math.ceil(data.height)))}px`;
  });

  const make = (holder) => {
    if (holder.dataset.undersignedMade) return; // the script included twice
    let url;
    try {
      url = new URL(holder.dataset.undersignedEmbed, document.baseURI);
    } catch (error) {
      return;
    }
    if (url.protocol !== "https:" && url.protocol !== "http:") return;
    const frame = document.createElement("iframe");
    frame.src = url.href;
    frame.title = holder.dataset.title || holder.textContent.trim() || url.href;
    frame.loading = "lazy";
    frame.style.display = "block";
    frame.style.width = "100%";
    frame.style.border = "0";
    frame.style.height = `${FIRST_HEIGHT}px`;
    holder.dataset.undersignedMade = "1";
    holder.replaceChildren(frame);
    frames.set(frame.contentWindow, [frame, url.origin]);
  };

  const makeAll = () => document.querySelectorAll("[data-undersigned-embed]").forEach(make);
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", makeAll);
  else makeAll();
})();
