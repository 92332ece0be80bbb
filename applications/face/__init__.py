"""Face recognition: MobileFaceNet/IResNet embedders trained with kzoo heads.

See `docs/applications/face.md`.
"""

from kzoo.applications.face import presets
from kzoo.applications.face.align import TEMPLATE_112
from kzoo.applications.face.align import align_faces
from kzoo.applications.face.align import similarity_transform
from kzoo.applications.face.data import load_identity_folder
from kzoo.applications.face.data import make_pairs
from kzoo.applications.face.data import parse_pairs
from kzoo.applications.face.data import save_identity_folder
from kzoo.applications.face.data import write_pairs
from kzoo.applications.face.generator import make_face_identities
from kzoo.applications.face.half_faces import half_face_pairs
from kzoo.applications.face.model import FaceEmbedder
from kzoo.applications.face.synthetic import synthetic_faces
from kzoo.applications.face.train import build_training_model
from kzoo.applications.face.train import train_face
from kzoo.applications.face.verification import evaluate_verification
from kzoo.applications.face.verification import kfold_accuracy
from kzoo.applications.face.verification import tar_at_far

__all__ = [
    "FaceEmbedder",
    "TEMPLATE_112",
    "align_faces",
    "build_training_model",
    "evaluate_verification",
    "half_face_pairs",
    "kfold_accuracy",
    "load_identity_folder",
    "make_face_identities",
    "make_pairs",
    "parse_pairs",
    "presets",
    "save_identity_folder",
    "similarity_transform",
    "synthetic_faces",
    "train_face",
    "tar_at_far",
    "write_pairs",
]
