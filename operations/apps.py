from django.apps import AppConfig


class OperationsConfig(AppConfig):
    name = "operations"
    verbose_name = "Operations"

    def ready(self) -> None:
        from operations import scrape, task_context  # noqa: F401 -- task_context connects Celery signals
        from operations.monitoring import broker_gauges

        scrape.register("broker", broker_gauges)
