// Kairos dashboard: the pages work without this script; it adds the viewer's local times,
// the schedule fields and task arguments of the chosen type, the live cron preview and live updates
// (in place on most pages; the status and upcoming pages re-read themselves).
"use strict";
(function () {
  document.documentElement.classList.add("js");
  var csrfMeta = document.querySelector('meta[name="csrf-token"]');
  var csrf = csrfMeta ? csrfMeta.getAttribute("content") : "";

  function text(tag, value, className) {
    var element = document.createElement(tag);
    element.textContent = value;
    if (className) element.className = className;
    return element;
  }

  function localTimes(root) {
    root.querySelectorAll("[data-local]").forEach(function (element) {
      var date = new Date(element.getAttribute("data-local"));
      if (!isNaN(date)) element.textContent = "· " + date.toLocaleString() + " (your zone)";
    });
  }

  function scheduleParts() {
    var select = document.querySelector("[data-schedule-type]");
    if (!select) return;
    function update() {
      document.querySelectorAll("[data-schedule]").forEach(function (part) {
        if (part.getAttribute("data-schedule") === select.value) part.removeAttribute("data-inactive");
        else part.setAttribute("data-inactive", "");
      });
    }
    select.addEventListener("change", update);
    update();
  }

  // Only the chosen task's arguments; the JSON is opened for a task without a schema.
  function taskArguments() {
    var select = document.getElementById("f-task");
    if (!select) return;
    var json = document.querySelector("[data-args-json]");
    function update() {
      document.querySelectorAll("[data-task-args]").forEach(function (fieldset) {
        var chosen = fieldset.getAttribute("data-task-args") === select.value;
        fieldset.hidden = !chosen;
        if (chosen && json && fieldset.hasAttribute("data-no-schema")) json.open = true;
      });
    }
    select.addEventListener("change", update);
    update();
  }

  // The expression with the token an error quotes ('61') marked, or null.
  function markToken(expression, errors) {
    for (var i = 0; i < errors.length; i++) {
      var quoted = /'([^']+)'/.exec(errors[i].message || "");
      if (!quoted) continue;
      var at = expression.indexOf(quoted[1]);
      if (at < 0) continue;
      var line = document.createElement("p");
      line.appendChild(document.createTextNode("In "));
      var code = document.createElement("code");
      code.appendChild(document.createTextNode(expression.slice(0, at)));
      code.appendChild(text("mark", quoted[1]));
      code.appendChild(document.createTextNode(expression.slice(at + quoted[1].length)));
      line.appendChild(code);
      return line;
    }
    return null;
  }

  function cronPreview() {
    var expression = document.getElementById("f-schedule-expression");
    var zone = document.getElementById("f-schedule-timezone");
    var output = document.getElementById("cron-preview");
    if (!expression || !output) return;
    var timer = null;
    var sequence = 0;
    function show(children, valid) {
      output.replaceChildren.apply(output, children);
      output.setAttribute("data-valid", valid ? "true" : "false");
      output.hidden = children.length === 0;
    }
    function run() {
      var value = expression.value.trim();
      if (!value) { show([], true); return; }
      var mine = ++sequence;
      fetch("/api/v1/scheduler/cron/preview", {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf },
        body: JSON.stringify({ expression: value, timezone: (zone && zone.value.trim()) || "UTC", count: 5 })
      }).then(function (response) {
        return response.json().then(function (body) { return { ok: response.ok, body: body }; });
      }).then(function (result) {
        if (mine !== sequence) return;
        var body = result.body;
        if (!result.ok) { show([text("p", "Preview unavailable: " + (body.detail || "error"))], false); return; }
        if (!body.valid) {
          var shown = (body.errors || []).map(function (issue) { return text("p", issue.field + ": " + issue.message, "field-error"); });
          var marked = markToken(value, body.errors || []);
          if (marked) shown.unshift(marked);
          show(shown, false);
          return;
        }
        var list = document.createElement("ol");
        body.nextFires.forEach(function (fire) { list.appendChild(text("li", fire)); });
        show([text("p", "Valid: " + body.description + " (" + body.timezone + "). Next fires:"), list], true);
      }).catch(function () {
        if (mine === sequence) show([text("p", "Preview unavailable (no connection).")], false);
      });
    }
    function schedule() { clearTimeout(timer); timer = setTimeout(run, 300); }
    expression.addEventListener("input", schedule);
    if (zone) zone.addEventListener("input", schedule);
    run();
  }

  var finalStatuses = ["succeeded", "failed", "missed", "cancelled"];

  // "2026-12-07 03:12:48 +01:00" (or "… UTC"): an instant in the zone the page shows times in, as the server writes it.
  function formatInZone(iso, zone) {
    var date = new Date(iso);
    if (isNaN(date)) return "";
    try {
      var parts = {};
      new Intl.DateTimeFormat("en-GB", {
        timeZone: zone || "UTC", year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit",
        minute: "2-digit", second: "2-digit", hourCycle: "h23", timeZoneName: "longOffset"
      }).formatToParts(date).forEach(function (part) { parts[part.type] = part.value; });
      var offset = (parts.timeZoneName || "").replace("GMT", "") || "UTC";
      return parts.year + "-" + parts.month + "-" + parts.day + " " + parts.hour + ":" + parts.minute + ":" + parts.second + " " + offset;
    } catch (error) {
      return date.toISOString();
    }
  }

  function setBadge(badge, status) {
    if (!badge) return;
    badge.textContent = status;
    badge.className = "badge status-" + status;
    badge.classList.add("flash");
  }

  function historyRow(execution, withJob, zone) {
    var row = document.createElement("tr");
    row.setAttribute("data-execution-id", execution.id);
    if (withJob) {
      var job = document.createElement("td");
      var jobLink = document.createElement("a");
      jobLink.href = "/jobs/" + encodeURIComponent(execution.jobKey);
      jobLink.appendChild(text("code", execution.jobKey));
      job.appendChild(jobLink);
      row.appendChild(job);
    }
    var first = document.createElement("td");
    var link = document.createElement("a");
    link.href = "/executions/" + execution.id;
    link.appendChild(text("code", execution.id));
    first.appendChild(link);
    first.appendChild(document.createTextNode(" "));
    first.appendChild(text("span", execution.trigger + ", attempt " + execution.attempt, "muted"));
    var status = document.createElement("td");
    status.appendChild(text("span", execution.status, "badge status-" + execution.status));
    status.firstChild.setAttribute("data-field", "status");
    var scheduled = text("td", formatInZone(execution.scheduledAt, zone));
    var started = text("td", execution.startedAt ? formatInZone(execution.startedAt, zone) : "");
    var duration = text("td", execution.durationMs != null ? execution.durationMs + " ms" : "");
    duration.setAttribute("data-field", "duration");
    var error = text("td", execution.error ? execution.error.reason + ": " + execution.error.message : "");
    error.dir = "auto";
    [first, status, scheduled, started, duration, error].forEach(function (cell) { row.appendChild(cell); });
    row.classList.add("flash");
    return row;
  }

  function onExecution(event) {
    var data = JSON.parse(event.data);
    var execution = data.execution;
    if (!execution) return;
    if (finalStatuses.indexOf(execution.status) >= 0 || execution.status === "running") {
      document.querySelectorAll('[data-job-id="' + data.jobId + '"] [data-field="last-status"]').forEach(function (badge) {
        setBadge(badge, execution.status);
      });
    }
    var watched = document.querySelector("[data-execution]");
    if (watched && watched.getAttribute("data-execution") === execution.id) {
      setBadge(watched.querySelector('[data-field="execution-status"]'), execution.status);
      // The outcome, timings and attempts are rendered by the server: show them.
      if (finalStatuses.indexOf(execution.status) >= 0) window.location.reload();
    }
    var rows = document.getElementById("history-rows");
    if (rows) {
      var existing = rows.querySelector('tr[data-execution-id="' + execution.id + '"]');
      var row = historyRow(execution, rows.hasAttribute("data-with-job"), rows.getAttribute("data-zone"));
      if (existing) rows.replaceChild(row, existing);
      else if (rows.hasAttribute("data-live-rows")) {
        var empty = rows.querySelector(".empty-row");
        if (empty) empty.remove();
        rows.insertBefore(row, rows.firstChild);
      }
    }
    var activity = document.getElementById("activity");
    if (activity) {
      activity.closest("[data-activity]").hidden = false;
      var item = document.createElement("li");
      var link = document.createElement("a");
      link.href = "/executions/" + execution.id;
      link.textContent = data.jobKey;
      item.appendChild(link);
      item.appendChild(document.createTextNode(" " + data.type.replace("execution.", "") + " at " + new Date(data.at).toLocaleTimeString()));
      activity.insertBefore(item, activity.firstChild);
      while (activity.children.length > 20) activity.removeChild(activity.lastChild);
    }
  }

  // The jobs list is not rebuilt in the browser: say that it changed, with a link to reload.
  function onJobChange() {
    var notice = document.getElementById("jobs-changed");
    if (notice) notice.hidden = false;
  }

  // The status and upcoming pages are drawn on the server: on events, re-read the page (at most
  // once every 5 s, and every 30 s when nothing happens) and put its main region in place of ours.
  function refresher() {
    var main = document.getElementById("main");
    if (!main || !document.body.hasAttribute("data-refresh") || !window.fetch || !window.DOMParser) return null;
    var last = Date.now();
    var timer = null;
    function refresh() {
      timer = null;
      last = Date.now();
      fetch(window.location.href, { credentials: "same-origin", headers: { Accept: "text/html" } }).then(function (response) {
        // A session that ended answers with the sign-in page: keep what is shown.
        if (!response.ok || response.redirected) return null;
        return response.text();
      }).then(function (html) {
        if (!html) return;
        var fresh = new DOMParser().parseFromString(html, "text/html").getElementById("main");
        if (!fresh) return;
        main.replaceChildren.apply(main, Array.prototype.slice.call(fresh.childNodes));
        localTimes(main);
        main.setAttribute("data-refreshed", String(Date.now()));
      }).catch(function () {});
    }
    function soon() {
      if (timer === null) timer = setTimeout(refresh, Math.max(0, last + 5000 - Date.now()));
    }
    setInterval(function () {
      if (!document.hidden && Date.now() - last >= 30000) soon();
    }, 5000);
    return soon;
  }

  function live() {
    var url = document.body.getAttribute("data-live");
    var status = document.getElementById("live-status");
    if (!url || !window.EventSource) return;
    var refresh = refresher();
    var delay = 1000;
    var source = null;
    var retry = null;
    function setStatus(state, label) {
      if (!status) return;
      status.setAttribute("data-state", state);
      status.textContent = label;
    }
    function connect() {
      source = new EventSource(url);
      source.addEventListener("open", function () { delay = 1000; setStatus("live", "Live"); });
      ["execution.submitted", "execution.started", "execution.succeeded", "execution.failed", "execution.missed", "execution.cancelled"]
        .forEach(function (name) { source.addEventListener(name, refresh || onExecution); });
      ["job.added", "job.modified", "job.removed"].forEach(function (name) { source.addEventListener(name, refresh || onJobChange); });
      source.addEventListener("error", function () {
        setStatus("disconnected", "Disconnected, reconnecting…");
        if (source.readyState === EventSource.CLOSED) {
          retry = setTimeout(connect, delay);
          delay = Math.min(delay * 2, 30000);
        }
      });
    }
    // A page left open in the back-forward cache would keep its stream, and the browser's
    // few connections to this server with it: close it when the page is hidden.
    window.addEventListener("pagehide", function () {
      clearTimeout(retry);
      if (source) source.close();
    });
    window.addEventListener("pageshow", function (event) {
      if (event.persisted) connect();
    });
    connect();
  }

  document.addEventListener("DOMContentLoaded", function () {
    localTimes(document);
    scheduleParts();
    taskArguments();
    cronPreview();
    live();
  });
})();
