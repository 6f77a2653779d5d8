/* The "Chatbot" panel: a modal dialog over GET /ask (JSON). Without JavaScript
   the search form in the header does the same through the /ask page. */
(function () {
  "use strict";
  var script = document.currentScript;
  var search = document.querySelector("form[role=search]");
  if (!search || !window.fetch || typeof HTMLDialogElement !== "function") return;

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (text) node.textContent = text;
    return node;
  }

  var style = el("link", { rel: "stylesheet", href: script.getAttribute("data-css") });
  document.head.appendChild(style);

  var opener = el("button", { type: "button", class: "button chatbot-open", "aria-haspopup": "dialog" }, "Chatbot");
  var dialog = el("dialog", { class: "chatbot", "aria-labelledby": "chatbot-title" });
  var head = el("div", { class: "chatbot-head" });
  head.appendChild(el("h2", { id: "chatbot-title" }, "Ask the guide"));
  var close = el("button", { type: "button", class: "chatbot-close", "aria-label": "Close" }, "×");
  head.appendChild(close);
  var log = el("div", { class: "chatbot-log", role: "log", "aria-label": "Conversation", tabindex: "0" });
  log.appendChild(el("p", {}, "Ask about foundation models: I answer from the guide, and our team answers the rest."));
  var form = el("form", { action: search.action, method: "get" });
  form.appendChild(el("label", { for: "chatbot-q" }, "Your question"));
  var row = el("div", { class: "chatbot-row" });
  var input = el("input", { id: "chatbot-q", name: "q", type: "text", maxlength: "300", autocomplete: "off", required: "" });
  row.appendChild(input);
  row.appendChild(el("button", { type: "submit", class: "button" }, "Send"));
  form.appendChild(row);
  dialog.appendChild(head);
  dialog.appendChild(log);
  dialog.appendChild(form);

  function say(answer) {
    var reply = el("div", { class: "chatbot-a" });
    if (answer.error) reply.appendChild(el("p", {}, answer.error));
    else if (answer.answered) {
      answer.answers.forEach(function (a) {
        var p = el("p");
        p.appendChild(el("a", { href: a.url }, a.title));
        reply.appendChild(p);
        a.text.split("\n").filter(Boolean).forEach(function (line) { reply.appendChild(el("p", {}, line)); });
      });
    } else {
      reply.appendChild(el("p", {}, "The guide has no good answer to that. Our team can help: your question will be in the message."));
    }
    if (!answer.answered || answer.error) {
      var more = el("p");
      more.appendChild(el("a", { href: answer.contact_url || "/contact", class: "button" }, "Ask our team"));
      reply.appendChild(more);
    }
    log.appendChild(reply);
    log.scrollTop = log.scrollHeight;
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var question = input.value.trim();
    if (!question) return;
    log.appendChild(el("p", { class: "chatbot-q" }, question));
    input.value = "";
    fetch(form.action + "?q=" + encodeURIComponent(question), { headers: { Accept: "application/json" } })
      .then(function (r) { return r.json(); })
      .then(say, function () { say({ error: "Sorry, that did not work. Please try again.", answered: false }); });
  });

  dialog.addEventListener("keydown", function (event) {
    if (event.key !== "Tab") return;
    var focusable = dialog.querySelectorAll("a[href], button, input, [tabindex='0']");
    var first = focusable[0], last = focusable[focusable.length - 1];
    if (event.shiftKey && document.activeElement === first) { last.focus(); event.preventDefault(); }
    else if (!event.shiftKey && document.activeElement === last) { first.focus(); event.preventDefault(); }
  });
  close.addEventListener("click", function () { dialog.close(); });
  // The button hides behind the open panel (axe, too, then sees one layer).
  dialog.addEventListener("close", function () { opener.hidden = false; opener.focus(); });
  opener.addEventListener("click", function () { dialog.showModal(); opener.hidden = true; input.focus(); });

  function ready() { document.body.appendChild(dialog); document.body.appendChild(opener); }
  if (style.sheet) ready(); else style.addEventListener("load", ready);
}());
