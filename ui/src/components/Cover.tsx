// Album artwork from the library (a thumbnail as a data: URL, which the CSP allows), or a
// quiet placeholder when there is none. Fetched only when drawn.
import { useArtwork } from "@data";
import { Icon } from "./Icon";

export function Cover({ artwork, size, label }: { artwork: string | null | undefined; size: "small" | "medium" | "large"; label: string }) {
  const image = useArtwork(artwork, size);
  return (
    <div className={`cover cover--${size}`}>
      {image.data ? (
        <img src={image.data} alt={`Cover of ${label}`} draggable={false} />
      ) : (
        <span className="cover__placeholder" aria-hidden="true">
          <Icon name="album" size={size === "small" ? 16 : 40} />
        </span>
      )}
    </div>
  );
}
