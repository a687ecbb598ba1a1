"""1,000 usages recorded from 8 threads give exact counters."""

import threading

from sqlalchemy import func, select

from app.models import Prompt, PromptUsage

THREADS = 8
PER_THREAD = 125


def test_concurrent_usages_give_exact_counters(app, make_prompt, settle, read):
    from app.prompts.usage import record_usage

    make_prompt()
    errors = []
    start = threading.Barrier(THREADS)

    def work(thread):
        try:
            with app.app_context():
                start.wait()
                for index in range(PER_THREAD):
                    record_usage("portrait-selfie-casual", success=(thread + index) % 4 != 0,
                                 scene=f"scene-{index % 3}", generation_time_ms=index)
        except Exception as error:  # pragma: no cover - reported below
            errors.append(error)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    settle()
    expected_success = sum((t + i) % 4 != 0 for t in range(THREADS) for i in range(PER_THREAD))
    counters = read(lambda s: tuple(s.execute(
        select(Prompt.usage_count, Prompt.success_count).where(Prompt.id == "portrait-selfie-casual")).one()))
    rows = read(lambda s: s.scalar(select(func.count()).select_from(PromptUsage)))
    ok = read(lambda s: s.scalar(select(func.count()).select_from(PromptUsage).where(PromptUsage.success.is_(True))))
    assert rows == THREADS * PER_THREAD
    assert counters == (rows, ok) == (1000, expected_success)
