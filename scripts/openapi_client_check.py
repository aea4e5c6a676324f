"""Drives a live `kairos serve` through the Python client that openapi-python-client generated
from its /openapi.json (scripts/openapi-client runs it): create, get, list, trigger, pause,
replace, patch and delete a job, then an invalid create answered with a 422 problem. Every
answer is parsed by the generated models; any unexpected status or field fails an assert.

    python3 openapi_client_check.py BASE_URL API_KEY    # with the generated kairos_client importable
"""

import sys

from kairos_client import AuthenticatedClient
from kairos_client.api.jobs import create_job, delete_job, get_job, job_action, list_jobs, patch_job, replace_job
from kairos_client.models import (
    ActionRequest,
    ActionRequestAction,
    Execution,
    ExecutionTrigger,
    IntervalSchedule,
    IntervalScheduleInput,
    Job,
    JobList,
    JobPatch,
    JobReplacement,
    JobSpec,
    Problem,
    ProblemCode,
    TaskArgs,
)
from kairos_client.types import Unset


def main(base_url: str, api_key: str) -> None:
    client = AuthenticatedClient(base_url=base_url, token=api_key, raise_on_unexpected_status=True)
    with client:
        spec = JobSpec(
            key="client-check",
            name="Generated client check",
            task="system.noop",
            schedule=IntervalScheduleInput(type_="interval", minutes=5),
            priority=7,
            timeout=30,
            args=TaskArgs(),
        )
        created = create_job.sync_detailed(client=client, body=spec)
        assert created.status_code == 201, created
        job = created.parsed
        assert isinstance(job, Job), job
        assert (job.key, job.name) == ("client-check", "Generated client check"), job
        assert (job.task, job.priority, job.timeout) == ("system.noop", 7, 30), job
        assert isinstance(job.schedule, IntervalSchedule) and job.schedule.minutes == 5, job.schedule
        assert job.version == 1 and job.enabled and not job.paused and job.next_run_at is not None, job
        assert created.headers["ETag"] == '"1"', created.headers

        fetched = get_job.sync(job.key, client=client)
        assert isinstance(fetched, Job) and fetched.id == job.id and fetched.version == 1, fetched

        listed = list_jobs.sync(client=client, prefix="client-")
        assert isinstance(listed, JobList), listed
        assert [item.key for item in listed.items] == ["client-check"] and listed.next_cursor is None, listed

        triggered = job_action.sync_detailed(
            job.id, client=client, body=ActionRequest(action=ActionRequestAction.TRIGGER)
        )
        assert triggered.status_code == 202, triggered
        execution = triggered.parsed
        assert isinstance(execution, Execution), execution
        assert execution.job_id == job.id and execution.trigger == ExecutionTrigger.MANUAL, execution

        paused = job_action.sync_detailed(job.key, client=client, body=ActionRequest(action=ActionRequestAction.PAUSE))
        assert paused.status_code == 200, paused
        assert isinstance(paused.parsed, Job) and paused.parsed.paused and paused.parsed.version == 2, paused.parsed

        replacement = JobReplacement(
            task="system.noop", schedule=IntervalScheduleInput(type_="interval", hours=1), timeout=45, paused=True
        )
        replaced = replace_job.sync(job.key, client=client, body=replacement)
        assert isinstance(replaced, Job) and replaced.version == 3 and replaced.paused, replaced
        assert isinstance(replaced.schedule, IntervalSchedule) and replaced.schedule.hours == 1, replaced.schedule
        assert (replaced.name, replaced.priority, replaced.timeout) == ("client-check", 0, 45), replaced

        # RFC 7396: null removes a member; JobPatch has no null in its types, so it goes as an additional property.
        patch = JobPatch(priority=8)
        patch["timeout"] = None
        patched = patch_job.sync(job.key, client=client, body=patch, if_match='"3"')
        assert isinstance(patched, Job) and patched.priority == 8 and patched.version == 4, patched
        assert isinstance(patched.timeout, Unset) and patched.paused, patched

        deleted = delete_job.sync_detailed(job.key, client=client)
        assert deleted.status_code == 204, deleted
        gone = get_job.sync_detailed(job.key, client=client)
        assert gone.status_code == 404 and isinstance(gone.parsed, Problem), gone
        assert gone.parsed.code == ProblemCode.NOT_FOUND, gone.parsed

        invalid = JobSpec(
            key="client-invalid",
            task="system.noop",
            schedule=IntervalScheduleInput(type_="interval", minutes=5),
            priority=5000,
            max_instances=0,
        )
        refused = create_job.sync_detailed(client=client, body=invalid)
        assert refused.status_code == 422, refused
        problem = refused.parsed
        assert isinstance(problem, Problem), problem
        assert problem.status == 422 and problem.code == ProblemCode.VALIDATION_FAILED, problem
        assert problem.type_ == "https://kairos.dev/problems/validation-failed", problem
        assert problem.title and problem.detail, problem
        assert sorted(issue.field for issue in problem.errors) == ["maxInstances", "priority"], problem.errors
        assert all(issue.code == "outOfRange" and issue.message for issue in problem.errors), problem.errors
        assert get_job.sync_detailed("client-invalid", client=client).status_code == 404
    print(
        "openapi-client check: create, get, list, trigger, pause, replace, patch, delete and a 422 problem through the generated client"
    )


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
