"""The dashboard in a real browser: run by scripts/dashboard-browser against a live server.

Each step prints what it checks; any failed check is listed at the end and the exit status is 1.
axe-core runs on every page (no serious or critical violation allowed) and the browser console
must stay free of errors, except the failed loads of responses a step expects (401, 403, 422).
"""

import argparse
import json
import pathlib
import sys
import time
import traceback
import urllib.request

from axe_selenium_python import Axe
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.common.exceptions import WebDriverException
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import Select, WebDriverWait

WIDTHS = (1280, 390)


class Run:
    def __init__(self, url, admin_key, output):
        self.url = url.rstrip("/")
        self.admin_key = admin_key
        self.output = pathlib.Path(output)
        self.failures = []
        self.started = time.monotonic()
        options = webdriver.ChromeOptions()
        options.binary_location = "/usr/bin/chromium"
        for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1280,900"):
            options.add_argument(argument)
        options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
        self.driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
        self.driver.set_window_size(1280, 900)
        self.wait = WebDriverWait(self.driver, 20)

    def check(self, condition, message):
        print(("  ok    " if condition else "  FAIL  ") + f"{time.monotonic() - self.started:5.1f} s  " + message)
        if not condition:
            self.failures.append(message)
        return condition

    def find(self, css):
        return self.driver.find_element(By.CSS_SELECTOR, css)

    def all(self, css):
        return self.driver.find_elements(By.CSS_SELECTOR, css)

    def go(self, path):
        self.driver.get(self.url + path)

    def api(self, method, path, body=None, key=None):
        request = urllib.request.Request(self.url + path, method=method, data=json.dumps(body).encode() if body is not None else None)
        request.add_header("Authorization", "Bearer " + (key or self.admin_key))
        if body is not None:
            request.add_header("Content-Type", "application/json")
        with urllib.request.urlopen(request, timeout=10) as response:
            return json.loads(response.read() or b"null")

    def console_errors(self, expected_statuses=()):
        errors = []
        for entry in self.driver.get_log("browser"):
            if entry["level"] != "SEVERE":
                continue
            if any(f"status of {status}" in entry["message"] for status in expected_statuses):
                continue
            errors.append(entry["message"])
        return errors

    def audit(self, name, expected_statuses=()):
        """axe-core, the console, and screenshots at both widths of the page shown now."""
        axe = Axe(self.driver)
        axe.inject()
        results = axe.run()
        serious = [v for v in results["violations"] if v.get("impact") in ("serious", "critical")]
        for violation in serious:
            targets = [node["target"] for node in violation["nodes"]][:3]
            print(f"        axe {violation['impact']}: {violation['id']}: {violation['help']} {targets}")
        self.check(not serious, f"{name}: axe reports no serious or critical violation")
        errors = self.console_errors(expected_statuses)
        for error in errors:
            print("        console: " + error)
        self.check(not errors, f"{name}: the browser console has no error")
        for width in WIDTHS:
            self.screenshot(name, width)

    def screenshot(self, name, width):
        """The whole page at `width` CSS pixels (a phone's viewport at 390), top first."""
        metrics = {"width": width, "height": 900, "deviceScaleFactor": 1, "mobile": width < 600}
        self.driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", metrics)
        self.driver.execute_script("window.scrollTo(0, 0)")
        height = self.driver.execute_script("return Math.min(document.documentElement.scrollHeight, 6000)")
        self.driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", dict(metrics, height=max(900, height)))
        self.driver.save_screenshot(str(self.output / f"{name}-{width}.png"))
        overflow = self.driver.execute_script("return document.documentElement.scrollWidth - document.documentElement.clientWidth")
        self.check(overflow <= 0, f"{name}: no horizontal scrolling at {width} px (overflow {overflow} px)")
        self.driver.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})

    def navigate_by(self, css):
        """Clicks what `css` finds and waits until the next page has replaced this one."""
        page = self.find("html")
        self.find(css).click()

        def replaced(_):
            try:
                page.is_enabled()
                return False
            except WebDriverException:  # stale, or a node of the document being replaced
                return True

        self.wait.until(replaced)
        self.wait.until(lambda d: d.execute_script("return document.readyState") == "complete")

    def open_link(self, xpath):
        """Follows the first link `xpath` finds (by its address: live updates may replace the row)."""
        href = self.wait.until(lambda d: d.find_element(By.XPATH, xpath).get_attribute("href"))
        self.driver.get(href)

    def sign_in(self, key):
        self.find("#key").clear()
        self.find("#key").send_keys(key)
        self.navigate_by("form[action='/sign-in'] button[type=submit]")

    def run(self):
        print("sign in")
        self.go("/")
        self.check(self.driver.current_url.startswith(self.url + "/sign-in"), "a page without a session leads to the sign-in form")
        self.audit("sign-in")
        self.sign_in("kairos_not-a-real-key")
        self.check("not valid" in self.find("#sign-in-error").text, "a wrong key is refused with a message")
        self.audit("sign-in-error", expected_statuses=(401,))
        self.sign_in(self.admin_key)
        self.wait.until(EC.text_to_be_present_in_element((By.TAG_NAME, "h1"), "Jobs"))
        self.check(self.driver.current_url == self.url + "/", "the right key signs in and shows the jobs")
        self.audit("jobs-empty")

        self.api("POST", "/api/v1/scheduler/jobs", {
            "key": "failing", "name": "<script>window.kairosInjected = true</script> failing", "task": "http.request",
            "args": {"url": "http://127.0.0.1:9/", "timeout": 2},
            "schedule": {"type": "cron", "expression": "*/2 * * * * *", "timezone": "Europe/Paris"}})
        self.go("/")

        print("create a cron job through the form")
        self.navigate_by("a[href='/jobs/new']")
        self.wait.until(EC.presence_of_element_located((By.ID, "f-key")))
        self.audit("job-form")
        self.find("#f-key").send_keys("browser-check")
        self.find("#f-name").send_keys("Browser check — فحص المتصفح")
        seconds = "[name='arg.system.sleep.seconds']"
        self.check(not self.find(seconds).is_displayed() and self.find("[data-task-args='system.noop']").is_displayed(),
                   "only the chosen task's arguments are shown")
        Select(self.find("#f-task")).select_by_value("system.sleep")
        self.check(self.find(seconds).is_displayed() and not self.find("[data-task-args='system.noop']").is_displayed(),
                   "choosing another task shows its arguments instead")
        self.find(seconds).send_keys("a tenth")
        expression = self.find("#f-schedule-expression")
        expression.send_keys("61 * * * *")
        self.wait.until(lambda d: d.find_element(By.ID, "cron-preview").get_attribute("data-valid") == "false")
        self.check(self.find("#cron-preview mark").text == "61", "the live preview marks the bad token")
        self.navigate_by(".job-form button[type=submit]")
        self.wait.until(EC.presence_of_element_located((By.ID, "f-schedule-expression-error")))
        self.check(self.find("#f-schedule-expression-error").is_displayed(), "the server's error is shown next to the expression field")
        seconds_error = self.find(seconds).get_attribute("id") + "-error"
        self.check(self.find("#" + seconds_error).is_displayed() and "a tenth" in self.find("#" + seconds_error).text,
                   "a bad number is shown next to its argument's input")
        self.check(self.find(seconds).get_attribute("value") == "a tenth", "the argument typed is kept after the failed submit")
        self.check(self.find("#f-key").get_attribute("value") == "browser-check", "the key typed is kept after the failed submit")
        self.check(self.find("#f-name").get_attribute("value") == "Browser check — فحص المتصفح", "the name typed is kept after the failed submit")
        self.audit("job-form-error", expected_statuses=(422,))
        self.find(seconds).clear()
        self.find(seconds).send_keys("0.1")
        expression = self.find("#f-schedule-expression")
        expression.clear()
        expression.send_keys("*/3 * * * * *")
        self.wait.until(lambda d: d.find_element(By.ID, "cron-preview").get_attribute("data-valid") == "true")
        self.check("Valid" in self.find("#cron-preview").text, "the live preview accepts the fixed expression")
        self.navigate_by(".job-form button[type=submit]")
        self.wait.until(EC.presence_of_element_located((By.ID, "history-rows")))
        self.check(self.driver.current_url == self.url + "/jobs/browser-check", "the job is created and its page shown")
        self.check(self.api("GET", "/api/v1/scheduler/jobs/browser-check")["args"] == {"seconds": 0.1},
                   "its arguments are typed from the inputs ({\"seconds\": 0.1})")

        print("see it fire through a live update")
        self.driver.execute_script("window.kairosNoReload = true")
        self.wait.until(lambda d: d.find_element(By.ID, "live-status").get_attribute("data-state") == "live")
        self.check(True, "the event stream is connected")
        WebDriverWait(self.driver, 30).until(
            lambda d: d.find_elements(By.CSS_SELECTOR, "#history-rows tr[data-execution-id] .status-succeeded"))
        self.check(self.driver.execute_script("return window.kairosNoReload === true"), "a fire appears in the history without reloading")
        self.audit("job")

        print("pause, trigger, resume")
        self.navigate_by("button[data-action=pause]")
        self.wait.until(EC.presence_of_element_located((By.CSS_SELECTOR, "button[data-action=resume]")))
        self.check(self.api("GET", "/api/v1/scheduler/jobs/browser-check")["paused"] is True, "pause pauses the job")
        self.navigate_by("button[data-action=trigger]")
        self.wait.until(lambda d: d.find_elements(By.XPATH, "//tbody[@id='history-rows']//span[contains(., 'manual')]"))
        self.check(True, "trigger runs it now (a manual execution in the history)")
        self.navigate_by("button[data-action=resume]")
        self.wait.until(EC.presence_of_element_located((By.CSS_SELECTOR, "button[data-action=pause]")))
        self.check(self.api("GET", "/api/v1/scheduler/jobs/browser-check")["paused"] is False, "resume resumes the job")
        self.audit("job-after-actions")

        print("history and an execution")
        self.open_link("//tbody[@id='history-rows']/tr[.//span[contains(@class, 'status-succeeded')]]//a")
        self.wait.until(EC.text_to_be_present_in_element((By.TAG_NAME, "h1"), "Execution"))
        self.check("Attempts" in self.driver.page_source, "the execution page shows its attempts")
        self.audit("execution")
        self.go("/jobs/browser-check")
        self.check(bool(self.all("svg.chart rect.bar-succeeded")), "the job page charts the durations of its executions")
        self.audit("job-chart")
        self.go("/jobs/failing")
        WebDriverWait(self.driver, 20).until(
            lambda d: d.find_elements(By.CSS_SELECTOR, "#history-rows tr[data-execution-id] .status-failed"))
        self.go("/jobs/failing")
        self.check(bool(self.all("svg.chart rect.bar-failed")), "failed executions are charted in their own colour")
        self.audit("job-failing")
        self.open_link("//tbody[@id='history-rows']/tr[.//span[contains(@class, 'status-failed')]]//a")
        self.wait.until(EC.text_to_be_present_in_element((By.TAG_NAME, "h1"), "Execution"))
        self.check("connection refused" in self.driver.page_source, "a failed execution shows its error")
        self.audit("execution-failed")
        self.go("/executions")
        self.check(len(self.all("#history-rows tr[data-execution-id]")) >= 3, "the executions page lists executions across jobs")
        self.audit("executions")
        Select(self.find("#order")).select_by_value("failed-first")
        self.navigate_by(".filters button[type=submit]")
        rows = self.all("#history-rows tr[data-execution-id]")
        self.check(bool(rows) and bool(rows[0].find_elements(By.CSS_SELECTOR, ".status-failed")),
                   "the executions page puts failed executions first on demand")
        self.check(any(row.find_elements(By.CSS_SELECTOR, ".status-succeeded") for row in rows), "and the others after them")
        self.audit("executions-failed-first")
        # Typing into a datetime-local input follows the browser's locale; set its value as a form fill would.
        self.driver.execute_script("arguments[0].value = arguments[1]", self.find("#from"), "2099-01-01T00:00:00")
        self.navigate_by(".filters button[type=submit]")
        self.check(not self.all("#history-rows tr[data-execution-id]") and "No execution matches" in self.driver.page_source,
                   "a time range with no execution in it lists none")
        self.navigate_by(".presets a")
        self.check(len(self.all("#history-rows tr[data-execution-id]")) >= 3, "the last hour's executions, from a preset link")
        self.go("/")
        Select(self.find("#outcome")).select_by_value("failed")
        self.navigate_by(".filters button[type=submit]")
        keys = [element.text for element in self.all("tr[data-job-id] code.key")]
        self.check(keys == ["failing"], f"the jobs page filters by last outcome (listed {keys})")
        self.go("/")
        self.check(bool(self.all("tr[data-job-id]")), "the jobs page lists the jobs")
        self.wait.until(lambda d: d.find_element(By.ID, "live-status").get_attribute("data-state") == "live")
        self.api("POST", "/api/v1/scheduler/jobs", {"key": "added-elsewhere", "task": "system.noop",
                                                    "schedule": {"type": "cron", "expression": "0 5 * * *"}})
        self.wait.until(lambda d: d.find_element(By.ID, "jobs-changed").is_displayed())
        self.check(True, "a job added elsewhere is announced on the jobs page without reloading")
        self.check("&lt;script&gt;" in self.driver.page_source and not self.driver.execute_script("return window.kairosInjected === true"),
                   "a job named <script>… shows as text")
        self.audit("jobs")
        self.driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"features": [{"name": "prefers-color-scheme", "value": "dark"}]})
        self.go("/jobs/browser-check")
        self.audit("job-dark")
        self.go("/")
        self.audit("jobs-dark")
        self.driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"features": []})

        self.go("/upcoming")
        self.check(bool(self.all("svg.chart rect.bar-upcoming")), "the upcoming page charts the next 24 hours")
        self.audit("upcoming")
        self.go("/status")
        self.check(bool(self.all("svg.chart rect")), "the status page charts the last hour")
        self.audit("status")

        print("the status and upcoming pages update live")
        self.driver.execute_script("window.kairosNoReload = true")
        self.wait.until(lambda d: d.find_element(By.ID, "live-status").get_attribute("data-state") == "live")
        counts = self.find("#queue-title").find_element(By.XPATH, "..").text
        self.api("POST", "/api/v1/scheduler/jobs/added-elsewhere/action", {"action": "trigger"})
        WebDriverWait(self.driver, 20).until(
            lambda d: d.find_element(By.ID, "main").get_attribute("data-refreshed")
            and d.find_element(By.ID, "queue-title").find_element(By.XPATH, "..").text != counts)
        self.check(self.driver.execute_script("return window.kairosNoReload === true"),
                   "the status page's numbers change after a run without reloading the page")
        self.check(self.find("#live-status").get_attribute("data-state") == "live", "the connection indicator still says Live")
        self.audit("status-refreshed")
        self.go("/upcoming")
        self.driver.execute_script("window.kairosNoReload = true")
        # The page hears of the new job only once its event stream is open.
        self.wait.until(lambda d: d.find_element(By.ID, "live-status").get_attribute("data-state") == "live")
        # A fire among the page's next 100: the test's jobs that fire every 2 s fill those within
        # about 100 s, so an hourly job showed only when its hour was near (it failed in the
        # first minutes of an hour).
        run_at = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + 20))
        self.api("POST", "/api/v1/scheduler/jobs", {"key": "added-live", "task": "system.noop",
                                                    "schedule": {"type": "date", "runAt": run_at}})
        WebDriverWait(self.driver, 20).until(lambda d: "added-live" in d.find_element(By.ID, "main").text)
        self.check(self.driver.execute_script("return window.kairosNoReload === true"),
                   "a job added elsewhere appears on the upcoming page without reloading it")

        print("keys")
        self.go("/keys")
        self.find("#key-name").send_keys("browser viewer")
        self.driver.find_element(By.CSS_SELECTOR, "#key-role option[value=viewer]").click()
        self.navigate_by("form[action='/keys'] button[type=submit]")
        viewer = self.find("#secret").get_attribute("value")
        self.check(viewer.startswith("kairos_"), "an admin creates a viewer key and sees its secret once")
        self.audit("keys")

        print("a viewer")
        self.navigate_by("form[action='/sign-out'] button")
        self.wait.until(EC.presence_of_element_located((By.ID, "key")))
        self.sign_in(viewer)
        self.wait.until(EC.text_to_be_present_in_element((By.TAG_NAME, "h1"), "Jobs"))
        self.check(not self.all("button[data-action=pause]"), "a viewer sees no pause button on the jobs page")
        self.go("/jobs/browser-check")
        self.check(not self.all("button[data-action]") and not self.all("a[href$='/edit']"), "a viewer sees no action or edit on the job page")
        job_id = self.api("GET", "/api/v1/scheduler/jobs/browser-check")["id"]
        status = self.driver.execute_script(
            """const token = document.querySelector('meta[name="csrf-token"]').content;
               return fetch('/jobs/' + arguments[0] + '/action', {method: 'POST',
                 headers: {'Content-Type': 'application/x-www-form-urlencoded'},
                 body: '_csrf=' + encodeURIComponent(token) + '&action=pause'}).then(r => r.status);""", job_id)
        self.check(status == 403, f"a forged pause from the viewer's session is refused (got {status})")
        self.check(self.api("GET", "/api/v1/scheduler/jobs/browser-check")["paused"] is False, "the job is still running after the forged pause")
        self.audit("job-viewer", expected_statuses=(403,))

        print("sign out")
        self.navigate_by("form[action='/sign-out'] button")
        self.wait.until(EC.presence_of_element_located((By.ID, "key")))
        self.go("/")
        self.check(self.driver.current_url.startswith(self.url + "/sign-in"), "after signing out the pages need a new sign-in")
        self.console_errors()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", required=True)
    parser.add_argument("--admin-key", required=True)
    parser.add_argument("--output", required=True)
    arguments = parser.parse_args()
    run = Run(arguments.url, arguments.admin_key, arguments.output)
    started = time.monotonic()
    try:
        run.run()
    except Exception as error:  # a step that could not run is a failure, with a screenshot
        run.driver.save_screenshot(str(run.output / "failure.png"))
        frames = [frame for frame in traceback.extract_tb(error.__traceback__) if frame.filename.endswith("dashboard_browser.py")]
        step = frames[-1] if frames else None
        where = f" at dashboard_browser.py:{step.lineno} ({step.line})" if step else ""
        run.failures.append(f"{type(error).__name__}: {error}".splitlines()[0] + where)
        print("  FAIL  " + run.failures[-1] + f" (at {run.driver.current_url}; failure.png)")
    finally:
        run.driver.quit()
    print(f"{len(run.failures)} failed checks in {time.monotonic() - started:.1f} s")
    for failure in run.failures:
        print("  - " + failure)
    return 1 if run.failures else 0


if __name__ == "__main__":
    sys.exit(main())
