// Inside the frame of a letter's embed (templates/letters/embed.html): tells the page that
// frames it how tall the form is now, so that js/embed.js there can make the frame as tall,
// whatever the width, an error shown or the thanks after signing. The height is all it
// says; anyone may hear it, so it goes to any origin.
(() => {
  if (window.parent === window || !window.ResizeObserver) return;
  let told = 0;
  const tell = () => {
    const height = Math.ceil(document.documentElement.getBoundingClientRect().height);
    if (height === told) return;
    told = height;
    window.parent.postMessage({ type: "undersigned:height", height }, "*");
  };
  new ResizeObserver(tell).observe(document.documentElement);
  tell();
})();
