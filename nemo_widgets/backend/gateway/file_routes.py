"""The gateway's upload: `POST /files/upload`, one file in the multipart field `file` plus the form field
`session_id`. The bytes go through the bootstrap dialect's upload checks (`backend/uploads.py`: streamed with the
size cap, kind by decoding, names sanitised) and land in the session's state the same way."""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse

from nemo_widgets.backend.errors import ApiError, session_not_found
from nemo_widgets.backend.gateway.context import Gateway, answer
from nemo_widgets.backend.uploads import receive_multipart, register_uploads, too_large
from nemo_widgets.protocol.names import MAX_UPLOAD_BYTES


async def upload(gateway: Gateway, request: Request) -> JSONResponse:
    user = await gateway.caller(request)
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_UPLOAD_BYTES + 1024 * 1024:
        raise too_large()
    folder = gateway.renders.user_dir(user) / "uploads"
    form: dict[str, str] = {}
    incoming = await receive_multipart(request.stream(), request.headers.get("content-type", ""), folder,
                                       field="file", form=form)
    session_id = form.get("session_id", "").strip() or request.query_params.get("session_id", "")
    problem = None
    if len(incoming) > 1:
        problem = ApiError(400, "Send one file per request in the field `file`.", 400)
    elif not session_id:
        problem = ApiError(400, "The upload needs the form field `session_id`: create a project first.", 400)
    elif await run_in_threadpool(gateway.store.session_state, user, session_id) is None:
        problem = session_not_found(session_id)
    if problem is not None:
        for item in incoming:
            item.path.unlink(missing_ok=True)
        raise problem
    files = await register_uploads(incoming, folder, str(request.base_url).rstrip("/"))
    try:
        await run_in_threadpool(gateway.store.update_state, user, session_id,
                                lambda fresh: fresh["video_infos"].extend(f.as_dict() for f in files))
    except LookupError:
        for f in files:
            f.path.unlink(missing_ok=True)
        raise session_not_found(session_id) from None
    shown = files[0].as_dict()
    return answer({**shown, "file_id": shown["id"], "url": shown["cdn_url"], "session_id": session_id})
