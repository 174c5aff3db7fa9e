__path__ = __import__("pkgutil").extend_path(__path__, __name__)

__doc__ = (
    """Functional metrics: ``calipers.functional.<name>`` resolves lazily to the domain distribution providing it."""
)

from calipers._lazy import make_lazy_namespace

__getattr__, __dir__ = make_lazy_namespace(__name__, [])
