/* Counts this view of the page, once, without a cookie or anything kept in the browser:
   loads the pixel named by this script's data-pixel, adding where the visitor came from
   (document.referrer, which only a script can read). The pixel's own Referer tells the
   server which page, with its utm tags. Without JavaScript the page's <noscript> image
   loads the pixel instead. A prerendered page counts when it is shown, not before. */
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script) return;
  var pixel = script.getAttribute("data-pixel");
  function count() {
    new Image().src = pixel + "?r=" + encodeURIComponent(document.referrer.slice(0, 1000));
  }
  if (document.prerendering) document.addEventListener("prerenderingchange", count, { once: true });
  else count();
}());
