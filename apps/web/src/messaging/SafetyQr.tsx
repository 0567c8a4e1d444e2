import QRCode from "qrcode";
import { useEffect, useState } from "react";

/**
 * The safety code as a QR code (an SVG image). It holds the 60 digits only: any phone camera that
 * reads it shows them, to compare with one's own screen. Loaded lazily, with its encoder.
 */
export default function SafetyQr({ digits, label }: { digits: string; label: string }) {
  const [src, setSrc] = useState<string | null>(null);
  useEffect(() => {
    let cancelled = false;
    void QRCode.toString(digits, { type: "svg", errorCorrectionLevel: "M", margin: 2 }).then((svg) => {
      if (!cancelled) setSrc(`data:image/svg+xml;utf8,${encodeURIComponent(svg)}`);
    });
    return () => {
      cancelled = true;
    };
  }, [digits]);
  return src ? <img className="safety-qr" src={src} alt={label} width={240} height={240} /> : null;
}
