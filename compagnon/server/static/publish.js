// The resource form, improved (server/templates/publish/_form.html). Without this file the
// form is one page of sections that works end to end; with it: one section at a time (steps),
// search-as-you-type pickers over GET /vocabularies/{name} for the code lists, the file sent
// at once to POST /media with a progress bar, and "Add a translation" without a round trip.
// Every text shown comes from the page (data-label-* attributes, translated by the server).
(function () {
  "use strict";
  var form = document.querySelector("form.resource-form");
  if (!form) { return; }
  var labels = form.dataset;
  var csrf = form.querySelector("input[name=csrf]").value;

  function el(tag, attributes, text) {
    var node = document.createElement(tag);
    Object.keys(attributes || {}).forEach(function (name) { node.setAttribute(name, attributes[name]); });
    if (text) { node.textContent = text; }
    return node;
  }

  Array.prototype.forEach.call(form.querySelectorAll("[data-without-script]"), function (hint) { hint.hidden = true; });
  Array.prototype.forEach.call(form.querySelectorAll("[data-with-script]"), function (hint) { hint.hidden = false; });

  // --- steps -----------------------------------------------------------------------------
  var steps = Array.prototype.slice.call(form.querySelectorAll("fieldset.step"));
  var counter = el("p", { "class": "step-count", "aria-live": "polite" });
  form.insertBefore(counter, steps[0]);
  function show(index, focus) {
    steps.forEach(function (step, i) { step.hidden = i !== index; });
    counter.textContent = labels.labelStep.replace("{n}", index + 1).replace("{total}", steps.length);
    if (focus) {
      var first = steps[index].querySelector("input:not([type=hidden]), textarea, select");
      if (first) { first.focus(); }
    }
  }
  steps.forEach(function (step, i) {
    var nav = el("div", { "class": "step-nav" });
    if (i > 0) {
      var back = el("button", { type: "button", "class": "secondary" }, labels.labelBack);
      back.addEventListener("click", function () { show(i - 1, true); });
      nav.appendChild(back);
    }
    if (i < steps.length - 1) {
      var next = el("button", { type: "button" }, labels.labelNext);
      next.addEventListener("click", function () { show(i + 1, true); });
      nav.appendChild(next);
    }
    step.appendChild(nav);
  });
  var start = 0;
  steps.forEach(function (step, i) {
    if (!start && step.querySelector(".field-error")) { start = i || 0; }
  });
  if (document.querySelector(".preview") && !form.querySelector(".field-error")) {
    start = steps.length - 1;
  }
  show(start, false);

  // --- the address of other terms, asked only when "other terms" is chosen ------------------
  var licence = form.querySelector("select[name=license]");
  var otherTerms = form.querySelector("#license-other");
  if (licence && otherTerms) {
    var showTerms = function () { otherTerms.hidden = licence.value !== "other"; };
    licence.addEventListener("change", showTerms);
    showTerms();
  }

  // --- translations ----------------------------------------------------------------------
  var add = form.querySelector("[data-add-translation]");
  if (add) {
    add.addEventListener("click", function (event) {
      event.preventDefault();
      var rows = form.querySelectorAll(".translation");
      var copy = rows[rows.length - 1].cloneNode(true);
      Array.prototype.forEach.call(copy.querySelectorAll("input, textarea"), function (field) { field.value = ""; });
      rows[rows.length - 1].after(copy);
      copy.querySelector("input").focus();
    });
  }

  // --- pickers ---------------------------------------------------------------------------
  function codesOf(area) {
    return area.value.split(/[\s,;]+/).filter(function (code) { return code; });
  }
  function chip(list, area, code, label) {
    var item = el("li", { "data-code": code }, label + " ");
    item.appendChild(el("code", {}, code));
    var remove = el("button", { type: "button", "aria-label": labels.labelRemove.replace("{label}", label) }, "×");
    remove.addEventListener("click", function () {
      area.value = codesOf(area).filter(function (c) { return c !== code; }).join("\n");
      item.remove();
    });
    item.appendChild(remove);
    list.appendChild(item);
  }
  Array.prototype.forEach.call(form.querySelectorAll("textarea[data-picker]"), function (area) {
    var name = area.name;
    var search = el("input", {
      type: "search", id: area.id, autocomplete: "off", role: "combobox",
      "aria-autocomplete": "list", "aria-controls": area.id + "-results", "aria-expanded": "false",
      placeholder: labels.labelSearch
    });
    area.id = area.id + "-codes";
    area.hidden = true;
    var results = el("ul", { id: search.getAttribute("aria-controls"), "class": "picker-results", role: "listbox" });
    var chosen = form.querySelector("ul.chosen[data-for=" + name + "]") || el("ul", { "class": "chosen", "data-for": name });
    var known = Array.prototype.map.call(chosen.querySelectorAll("li"), function (li) {
      return [li.dataset.code, li.firstChild.textContent.trim()];
    });
    chosen.textContent = "";
    known.forEach(function (pair) { chip(chosen, area, pair[0], pair[1]); });
    area.after(search, results, chosen);
    var timer = null;
    var asked = 0;
    search.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(function () {
        var query = search.value.trim();
        var ticket = ++asked;
        if (!query) { results.textContent = ""; return; }
        fetch(form.dataset.vocabularies + area.dataset.picker + "?q=" + encodeURIComponent(query))
          .then(function (answer) { return answer.ok ? answer.json() : []; })
          .then(function (found) {
            if (ticket !== asked) { return; }
            results.textContent = "";
            found.forEach(function (choice) {
              var item = el("li", { role: "option" });
              var pick = el("button", { type: "button" }, choice.label);
              pick.addEventListener("click", function () {
                if (codesOf(area).indexOf(choice.code) < 0) {
                  area.value = codesOf(area).concat([choice.code]).join("\n");
                  chip(chosen, area, choice.code, choice.label);
                }
                results.textContent = "";
                search.value = "";
                search.setAttribute("aria-expanded", "false");
                search.focus();
              });
              item.appendChild(pick);
              results.appendChild(item);
            });
            search.setAttribute("aria-expanded", found.length ? "true" : "false");
          })
          .catch(function () { results.textContent = ""; });
      }, 200);
    });
  });

  // --- the file, uploaded at once with its progress ---------------------------------------
  // A file the node holds: a ticked box (named and typed, so a draft can bring it back).
  function keep(sha256, name, type) {
    var kept = form.querySelector("#kept-files");
    var line = el("label", { "class": "check" });
    var box = el("input", {
      type: "checkbox", name: "file_sha256", value: sha256,
      "data-kept-name": name, "data-kept-type": type || ""
    });
    box.checked = true;
    line.append(box, " " + name);
    kept.appendChild(line);
    if ((type || "").indexOf("image/") === 0) {
      // a picture is described for people who cannot see it (its alt text)
      var id = "alt-" + sha256;
      kept.appendChild(el("label", { "for": id }, labels.labelDescribePicture));
      kept.appendChild(el("input", { id: id, name: "alt_" + sha256, maxlength: "1500" }));
    }
    return box;
  }
  // A restored draft (static/drafts.js): the files sent before are held here, so they stay.
  form.addEventListener("draft-restore", function (event) {
    (event.detail["#kept-files"] || []).forEach(function (held) {
      var there = Array.prototype.some.call(form.querySelectorAll("input[name=file_sha256]"),
        function (box) { return box.value === held.value; });
      if (held.field === "file_sha256" && /^[0-9a-f]{64}$/.test(held.value) && !there) {
        keep(held.value, held.name, held.type);
      }
    });
  });
  var file = form.querySelector("input[type=file][data-upload]");
  if (file) {
    var bar = form.querySelector(".upload-progress");
    var status = form.querySelector(".upload-status");
    file.addEventListener("change", function () {
      if (!file.files.length) { return; }
      var chosenFile = file.files[0];
      var body = new FormData();
      body.append("csrf", csrf);
      body.append("file", chosenFile);
      var request = new XMLHttpRequest();
      request.open("POST", file.dataset.upload);
      request.setRequestHeader("X-CSRF-Token", csrf);
      request.upload.addEventListener("progress", function (event) {
        if (event.lengthComputable) { bar.value = Math.round(event.loaded * 100 / event.total); }
      });
      request.addEventListener("load", function () {
        var answer = {};
        try { answer = JSON.parse(request.responseText); } catch (e) { answer = {}; }
        if (request.status === 201 || request.status === 200) {
          bar.value = 100;
          file.value = "";
          keep(answer.sha256, answer.name, answer.type)
            .dispatchEvent(new Event("change", { bubbles: true })); // the draft now holds it
          status.textContent = labels.labelUploaded.replace("{name}", answer.name);
        } else {
          status.textContent = answer.error || labels.labelUploadFailed;
        }
      });
      request.addEventListener("error", function () { status.textContent = labels.labelUploadFailed; });
      bar.hidden = false;
      bar.value = 0;
      status.textContent = labels.labelUploading.replace("{name}", chosenFile.name);
      request.send(body);
    });
  }
}());
