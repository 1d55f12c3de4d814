"""Carries the request id and submission id from the process that queues a task into the task's
run (message headers), so the worker's log lines name the upload that caused them."""
from __future__ import annotations

from contextvars import Token

from celery.signals import before_task_publish, task_postrun, task_prerun, worker_init

from operations.context import request_id_var, submission_id_var
from operations.workers import remember_node_name

REQUEST_ID_HEADER = "moodify_request_id"
SUBMISSION_ID_HEADER = "moodify_submission_id"
# Tasks whose first argument is a submission id.
_SUBMISSION_TASKS = {"emotion.tasks.analyze_submission", "emotion.tasks.reanalyze_submission"}

_tokens: dict[str, tuple[Token, Token]] = {}


@before_task_publish.connect(dispatch_uid="operations.publish")
def _add_context_headers(sender=None, headers=None, body=None, **_kwargs) -> None:
    if headers is None:
        return
    headers.setdefault(REQUEST_ID_HEADER, request_id_var.get())
    submission_id = submission_id_var.get()
    if not submission_id and sender in _SUBMISSION_TASKS and body and body[0]:
        submission_id = str(body[0][0])  # protocol 2 body: (args, kwargs, embed)
    headers.setdefault(SUBMISSION_ID_HEADER, submission_id)


def _header(task, name: str) -> str:
    request = task.request
    value = getattr(request, name, None) or (getattr(request, "headers", None) or {}).get(name)
    return str(value or "")


@task_prerun.connect(dispatch_uid="operations.prerun")
def _bind_task_context(task_id=None, task=None, args=None, **_kwargs) -> None:
    submission_id = _header(task, SUBMISSION_ID_HEADER)
    if not submission_id and task.name in _SUBMISSION_TASKS and args:
        submission_id = str(args[0])
    _tokens[task_id] = (request_id_var.set(_header(task, REQUEST_ID_HEADER)), submission_id_var.set(submission_id))


@task_postrun.connect(dispatch_uid="operations.postrun")
def _unbind_task_context(task_id=None, **_kwargs) -> None:
    tokens = _tokens.pop(task_id, None)
    if tokens:
        request_id_var.reset(tokens[0])
        submission_id_var.reset(tokens[1])


@worker_init.connect(dispatch_uid="operations.worker_init")
def _remember_node_name(sender=None, **_kwargs) -> None:
    remember_node_name(getattr(sender, "hostname", "") or "")
