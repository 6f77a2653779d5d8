/* The "Chatbot" panel: a modal dialog over GET /ask (JSON). Without JavaScript
   the search form in the header does the same through the /ask page.
   "Ask our team" opens the contact form inside the panel: the same GET and
   POST /contact as the page (CSRF, stamp, confirm step, limits), read with
   fetch, so the page's URL never changes and every typed word stays. */
(function () {
  "use strict";
  var script = document.currentScript;
  var search = document.querySelector("form[role=search]");
  if (!search || !window.fetch || !window.DOMParser || typeof HTMLDialogElement !== "function") return;
  // The contact page has the form itself.
  if (document.body.classList.contains("no-chatbot")) return;

  var KEPT = 5, QUESTION_MAX = 150; // the conversation the inquiry carries (see contact/context.py)
  var asked = [], seen = [], inquiry = null, contact = "/contact";

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

  function show(node, focus) {
    log.appendChild(node);
    node.scrollIntoView({ block: "nearest" });
    if (focus) focus.focus();
  }

  function button(text, action, className) {
    var b = el("button", { type: "button", class: className || "button chatbot-small" }, text);
    b.addEventListener("click", action);
    return b;
  }

  function vote(reply, token, url) {
    var group = el("div", { class: "chatbot-vote", role: "group", "aria-label": "Feedback" });
    group.appendChild(el("p", {}, "Did this answer your question?"));
    function send(choice) {
      var body = new FormData();
      body.append("token", token);
      body.append("vote", choice);
      group.querySelectorAll("button").forEach(function (b) { b.disabled = true; });
      fetch(url, { method: "POST", body: body, headers: { Accept: "application/json" } })
        .then(function (r) { return r.json(); })
        .then(function (r) { return r.message; }, function () { return "Sorry, that did not reach us."; })
        .then(function (message) {
          var thanks = el("p", { role: "status", tabindex: "-1" }, message);
          group.replaceWith(thanks);
          thanks.focus();
        });
    }
    group.appendChild(button("Yes", function () { send("yes"); }));
    group.appendChild(button("No", function () { send("no"); }));
    reply.appendChild(group);
  }

  function links(reply, intro, items) {
    if (!items || !items.length) return;
    reply.appendChild(el("p", {}, intro));
    var list = el("ul");
    items.forEach(function (s) {
      var li = el("li");
      li.appendChild(el("a", { href: s.url }, s.title));
      list.appendChild(li);
    });
    reply.appendChild(list);
  }

  function say(answer, question) {
    if (answer.contact_url) contact = answer.contact_url.split("?")[0];
    var reply = el("div", { class: "chatbot-a" });
    if (answer.error) reply.appendChild(el("p", {}, answer.error));
    else if (answer.answered) {
      answer.answers.forEach(function (a) {
        if (a.key && seen.indexOf(a.key) < 0) seen.push(a.key);
        var p = el("p");
        p.appendChild(el("a", { href: a.url }, a.title));
        reply.appendChild(p);
        a.text.split("\n").filter(Boolean).forEach(function (line) { reply.appendChild(el("p", {}, line)); });
      });
    } else {
      reply.appendChild(el("p", {}, "The guide has no good answer to that. Our team can help: your question will be in the message."));
      links(reply, "Closest in the guide:", answer.suggestions);
    }
    if (answer.vote) vote(reply, answer.vote.token, answer.vote.url);
    if (answer.followups && answer.followups.length) {
      reply.appendChild(el("p", {}, "You might also ask:"));
      var more = el("div", { class: "chatbot-more" });
      answer.followups.forEach(function (f) {
        more.appendChild(button(f.question, function () { ask(f.question); }, "chatbot-followup"));
      });
      reply.appendChild(more);
    }
    var team = el("p");
    team.appendChild(button("Ask our team", function () { openInquiry(question); }, "button"));
    reply.appendChild(team);
    show(reply);
  }

  function ask(question) {
    log.appendChild(el("p", { class: "chatbot-q" }, question));
    asked.push(question.slice(0, QUESTION_MAX));
    asked = asked.slice(-KEPT);
    var url = form.action + "?q=" + encodeURIComponent(question) + "&seen=" + encodeURIComponent(seen.join(","));
    fetch(url, { headers: { Accept: "application/json" } })
      .then(function (r) { return r.json(); })
      .then(function (a) { say(a, question); },
            function () { say({ error: "Sorry, that did not work. Please try again.", answered: false }, question); });
  }

  /* The inquiry: the contact page's own form, fetched and posted here. */
  function contactUrl() {
    var query = ["via=panel"].concat(asked.map(function (q) { return "asked=" + encodeURIComponent(q); }));
    return contact + "?" + query.join("&");
  }

  function parse(html) { return new DOMParser().parseFromString(html, "text/html"); }

  function notice(nodes, fallback) {
    var box = el("div", { class: "notice", role: "alert", tabindex: "-1" });
    if (nodes.length) nodes.forEach(function (n) { box.appendChild(document.importNode(n, true)); });
    else box.appendChild(el("p", {}, fallback));
    // The error summary's links go to a field: focus it, leave the page's URL alone.
    box.querySelectorAll("a[href^='#']").forEach(function (a) {
      a.addEventListener("click", function (event) {
        event.preventDefault();
        var field = dialog.querySelector(a.getAttribute("href"));
        if (field) field.focus();
      });
    });
    return box;
  }

  function replaceNotices(section, box) {
    section.querySelectorAll(".notice, .error-summary").forEach(function (n) { n.remove(); });
    section.insertBefore(box, section.querySelector("form"));
    box.focus();
  }

  function answered(section, response, html) {
    var page = parse(html);
    var main = page.querySelector("main") || page.body;
    if (response.ok && /\/contact\/thanks$/.test(new URL(response.url).pathname)) {
      section.textContent = "";
      var title = el("h3", { tabindex: "-1" }, main.querySelector("h1").textContent);
      section.appendChild(title);
      main.querySelectorAll(".lede, ol").forEach(function (n) { section.appendChild(document.importNode(n, true)); });
      inquiry = null;
      title.focus();
      return;
    }
    var next = main.querySelector("form[method=post]");
    if (response.status === 429 || !next) {
      // Over the limit, or no form came back: the panel's form stays as typed.
      var kept = [].slice.call(main.querySelectorAll(".lede, ul"));
      var mail = main.querySelector("a[href^='mailto:'][href*='body=']");
      if (mail) { var p = el("p"); p.appendChild(document.importNode(mail, true)); kept.push(p); }
      replaceNotices(section, notice(kept, "Nothing was sent (error " + response.status + "). Everything you typed is still here: please press Send again in a minute."));
      return;
    }
    var old = section.querySelector("form");
    var form = document.importNode(next, true);
    old.replaceWith(form);
    wire(section, form);
    var found = [].slice.call(main.querySelectorAll(".notice > *, .error-summary > *"));
    if (found.length) replaceNotices(section, notice(found, ""));
    else section.querySelectorAll(".notice").forEach(function (n) { n.remove(); });
  }

  function wire(section, form) {
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var send = form.querySelector("button[type=submit]");
      send.disabled = true;
      fetch(form.action, { method: "POST", body: new FormData(form), headers: { Accept: "text/html" } })
        .then(function (r) { return r.text().then(function (html) { answered(section, r, html); }); })
        .catch(function () {
          replaceNotices(section, notice([], "Nothing was sent: the connection failed. Everything you typed is still here: please press Send again."));
        })
        .then(function () { send.disabled = false; });
    });
  }

  function openInquiry(question) {
    if (inquiry) { inquiry.querySelector("input:not([type=hidden])").focus(); return; }
    var section = el("section", { class: "chatbot-inquiry", "aria-label": "Ask our team", "aria-live": "off" });
    section.appendChild(el("h3", {}, "Ask our team"));
    inquiry = section;
    fetch(contactUrl(), { headers: { Accept: "text/html" } })
      .then(function (r) { return r.text(); })
      .then(function (html) {
        var found = parse(html).querySelector("main form[method=post]");
        if (!found) throw new Error("no form");
        var form = document.importNode(found, true);
        form.querySelector("textarea[name=message]").value = question;
        section.appendChild(form);
        wire(section, form);
        show(section, form.querySelector("input:not([type=hidden])"));
      })
      .catch(function () {
        inquiry = null;
        var sorry = el("p", {}, "Sorry, the form did not load. ");
        sorry.appendChild(el("a", { href: contact + "?question=" + encodeURIComponent(question) }, "Open the contact page"));
        section.appendChild(sorry);
        show(section);
      });
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var question = input.value.trim();
    if (!question) return;
    input.value = "";
    ask(question);
  });

  dialog.addEventListener("keydown", function (event) {
    if (event.key !== "Tab") return;
    var focusable = [].filter.call(
      dialog.querySelectorAll("a[href], button, input:not([type=hidden]), select, textarea, [tabindex='0']"),
      function (n) { return !n.disabled && n.tabIndex >= 0 && n.getClientRects().length; });
    var first = focusable[0], last = focusable[focusable.length - 1];
    if (event.shiftKey && document.activeElement === first) { last.focus(); event.preventDefault(); }
    else if (!event.shiftKey && document.activeElement === last) { first.focus(); event.preventDefault(); }
  });
  close.addEventListener("click", function () { dialog.close(); });
  // The button hides behind the open panel (axe, too, then sees one layer).
  dialog.addEventListener("close", function () { opener.hidden = false; opener.focus(); });
  opener.addEventListener("click", function () { dialog.showModal(); opener.hidden = true; input.focus(); });

  // In the header row, where it covers nothing; wide screens float it in the empty margin.
  function ready() {
    document.body.appendChild(dialog);
    (document.querySelector(".site-header .wrap") || document.body).appendChild(opener);
  }
  if (style.sheet) ready(); else style.addEventListener("load", ready);
}());
