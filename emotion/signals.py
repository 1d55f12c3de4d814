import django.dispatch

emotion_result_stored = django.dispatch.Signal()
