"""barbican-certs: one certificate-ordering API for every CA."""

import warnings

# oslo.messaging imports oslo.service, which imports eventlet only to offer
# it; this service never uses eventlet, so its deprecation notice is noise.
warnings.filterwarnings("ignore", message="(?s).*Eventlet is deprecated")
