// What a view shows when it has nothing to show yet: what it is for, and the next step.
import type { ReactNode } from "react";
import { Icon, type IconName } from "./Icon";

export function EmptyState(props: { icon: IconName; title: string; children: ReactNode; action?: ReactNode }) {
  return (
    <section className="empty-state" aria-label={props.title}>
      <div className="empty-state__icon">
        <Icon name={props.icon} size={40} />
      </div>
      <h2>{props.title}</h2>
      <p>{props.children}</p>
      {props.action}
    </section>
  );
}
