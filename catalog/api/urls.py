from rest_framework.routers import SimpleRouter

from . import views

router = SimpleRouter()
router.register("tracks", views.TrackViewSet, basename="track")
router.register("emotions", views.EmotionViewSet, basename="emotion")
router.register("genres", views.GenreViewSet, basename="genre")
router.register("mood-maps", views.MoodMapViewSet, basename="mood-map")

urlpatterns = router.urls
