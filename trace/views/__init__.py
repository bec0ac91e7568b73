"""The traceability pages: the shop's (batches, certificates, repacking, shipping by batch) and the
public trace page a certificate's QR code opens."""
