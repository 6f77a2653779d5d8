/* Counts a view of the page that the server did not see, once, without a cookie or
   anything kept in the browser, by loading the pixel named by this script's data-pixel
   with where the visitor came from (document.referrer, which only a script can read). The
   pixel's own Referer tells the server which page, with its utm tags.
   With data-by="page" the server counted the page's own request, so only a view it never
   saw loads the pixel: a prerendered or prefetched page once it is shown, or a page the
   browser answered from its own cache. With data-by="pixel" (a cache in front of the site
   answers pages) every view loads it; without JavaScript the <noscript> image does. */
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script) return;
  var pixel = script.getAttribute("data-pixel");
  function count() {
    new Image().src = pixel + "?r=" + encodeURIComponent(document.referrer.slice(0, 1000));
  }
  function unseen() {
    var entries = window.performance && performance.getEntriesByType
      ? performance.getEntriesByType("navigation") : [];
    var nav = entries[0];
    if (!nav) return false;  /* an old browser: its request reached the server */
    return nav.activationStart > 0 || nav.deliveryType === "navigational-prefetch"
      || (nav.transferSize === 0 && nav.decodedBodySize > 0);
  }
  if (document.prerendering) document.addEventListener("prerenderingchange", count, { once: true });
  else if (script.getAttribute("data-by") !== "page" || unseen()) count();
}());
