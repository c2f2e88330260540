"""Why a submission failed, in Japanese, specific enough to act on (never a bare システムエラー)."""

from oss.errors import OssRejected

# What to do about OSS refusals that staff can fix themselves.
HINTS = {
    "OSS-102": "申請データの内容を確認し、申請データ再利用で修正した申請を作成してください。",
    "OSS-103": "この手続はOSSで受け付けられていません。手続の種類を確認してください。",
    "OSS-201": ("送信データの署名を検証できませんでした。"
                "時間をおいて再送信し、解消しない場合は管理者に連絡してください。"),
    "OSS-301": ("代理人証明書の発行元がOSSで認められていません。"
                "管理者が「電子証明書」画面で証明書を確認してください。"),
    "OSS-302": ("マイナンバーカードの証明書は使えません。"
                "行政書士電子証明書または商業登記電子証明書を登録してください。"),
    "OSS-303": ("組織の種類に合わない証明書です。"
                "行政書士は行政書士電子証明書、行政書士法人は商業登記電子証明書を使います。"),
    "OSS-304": ("代理人証明書の有効期限が切れています。"
                "新しい証明書を登録し、利用開始日を設定してください。"),
    "OSS-305": "代理人証明書の有効期間がまだ始まっていません。利用開始日を見直してください。",
    "OSS-410": "同じ送信キーで別の申請データが既に送られています。管理者に連絡してください。",
    "OSS-601": ("車台番号に対応する電子の証明データ(完成検査終了証・保適証等)が"
                "登録されているか確認してください。"),
}


def rejected(exc: OssRejected) -> str:
    """The reason shown for an OSS refusal: its code, message, details and what to do."""
    text = f"OSSが申請を受け付けませんでした({exc.code or '-'}): {exc.message}"
    if exc.details:
        text += " 詳細: " + " / ".join(str(d) for d in exc.details[:3])
        if len(exc.details) > 3:
            text += f" ほか{len(exc.details) - 3}件"
    hint = HINTS.get(exc.code)
    return f"{text} {hint}" if hint else text


def paused(until) -> str:
    """A row held back by the circuit breaker (``until``: naive UTC)."""
    from portal.templating import jst

    return (f"OSSから続けて応答がないため、{jst(until, '%H:%M')}(日本時間)まで送信・照会を"
            "控えています。この間は再試行の回数に数えません。")


def not_sent_given_up(attempts: int, last: str) -> str:
    return (f"OSSに接続できない状態が続いたため、{attempts}回試みたところで送信を中止しました"
            f"(最後のエラー: {last})。"
            "お知らせでOSSの稼働状況を確認し、時間をおいて再送信してください。")


def invalid_document(problems) -> str:
    listed = "、".join(str(p) for p in problems[:5])
    more = f" ほか{len(problems) - 5}件" if len(problems) > 5 else ""
    return (f"申請データが様式(XSD)に適合しないため送信しませんでした: {listed}{more}。"
            "申請データ再利用で修正した申請を作成してください。")


def build_error(detail: str) -> str:
    return (f"申請データから送信データを作成できませんでした({detail})。"
            "申請データ再利用で申請を作成し直してください。")


def key_unavailable(cert_label: str) -> str:
    return (f"預け入れた{cert_label}の鍵を読み出せませんでした。"
            "管理者が「電子証明書」画面で証明書を登録し直してください。")


def unexpected(exc: BaseException) -> str:
    return (f"送信データの作成中に想定外のエラーが発生しました({type(exc).__name__})。"
            "この申請は送信していません。管理者に連絡してください。")
