"""Face expression: the second signal beside the voice. Haar-cascade face detection (weights in
the OpenCV wheel), a 48x48 greyscale crop, a compact CNN trained on FER-2013, calibrated, served
through ONNX Runtime. Public API::

    from ml.face import FacePredictor, FacePrediction, get_face_predictor
"""

from ml.face.predictor import FacePrediction, FacePredictor, get_face_predictor

__all__ = ["FacePrediction", "FacePredictor", "get_face_predictor"]
