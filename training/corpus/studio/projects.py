"""The Label Studio project that carries the schema's labeling config, found by exact title or id.

Label Studio's title filter matches substrings, so :func:`find_projects` keeps exact matches only:
with projects "toll" and "toll (old)", ``find_projects(client, "toll")`` returns one project.
"""

from __future__ import annotations

from dataclasses import dataclass

from toll.training.corpus.studio.connection import StudioError

DEFAULT_TITLE = "toll casualties"


@dataclass(frozen=True)
class ProjectRef:
    id: int
    title: str

    def __str__(self) -> str:
        return f"project {self.id} {self.title!r}"


def same_config(a: str | None, b: str | None) -> bool:
    """Labeling configs compared up to whitespace between lines.

    >>> same_config("<View>\\n  <Text name='t'/>\\n</View>\\n", "<View><Text name='t'/></View>")
    True
    """
    squash = lambda xml: "".join(line.strip() for line in (xml or "").splitlines())  # noqa: E731
    return squash(a) == squash(b)


def find_projects(client, title: str) -> list[ProjectRef]:
    """Projects whose title is exactly ``title``."""
    return [ProjectRef(p.id, p.title) for p in client.projects.list(title=title) if p.title == title]


def get_project(client, title: str | None = None, project_id: int | None = None) -> ProjectRef:
    """The one project named by id or exact title; a clear error when there is none or several."""
    if project_id is not None:
        from label_studio_sdk.core.api_error import ApiError

        try:
            project = client.projects.get(project_id)
        except ApiError as exc:
            if exc.status_code == 404:
                raise StudioError(f"Label Studio has no project with id {project_id}") from None
            raise
        return ProjectRef(project.id, project.title)
    title = title or DEFAULT_TITLE
    found = find_projects(client, title)
    if not found:
        raise StudioError(f"Label Studio has no project titled {title!r}; create it with "
                          f"`toll-studio init --project {title!r}` or pass --project-id")
    if len(found) > 1:
        raise StudioError(f"several projects are titled {title!r} (ids {', '.join(str(p.id) for p in found)}); "
                          "choose one with --project-id")
    return found[0]


def init_project(client, title: str, label_config: str) -> tuple[ProjectRef, str]:
    """Create the project, or find it by title and bring its labeling config up to date.

    Returns the project and what happened: ``"created"``, ``"found"`` or ``"config updated"``.
    Label Studio itself refuses a config that drops labels existing annotations use.
    """
    found = find_projects(client, title)
    if len(found) > 1:
        raise StudioError(f"several projects are titled {title!r} (ids {', '.join(str(p.id) for p in found)})")
    if not found:
        project = client.projects.create(title=title, label_config=label_config,
                                          description="Casualty figures in conflict news (toll).")
        return ProjectRef(project.id, project.title), "created"
    ref = found[0]
    if same_config(client.projects.get(ref.id).label_config, label_config):
        return ref, "found"
    client.projects.update(id=ref.id, label_config=label_config)
    return ref, "config updated"


def project_config(client, ref: ProjectRef) -> str:
    return client.projects.get(ref.id).label_config or ""
