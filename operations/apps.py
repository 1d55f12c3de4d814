from django.apps import AppConfig


class OperationsConfig(AppConfig):
    name = "operations"
    verbose_name = "Operations"

    def ready(self) -> None:
        # task_context and worker_metrics connect Celery signal receivers.
        from operations import scrape, task_context, worker_metrics  # noqa: F401
        from operations.monitoring import broker_gauges

        scrape.register("broker", broker_gauges)
