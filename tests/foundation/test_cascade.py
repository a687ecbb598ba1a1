"""Seed 002's ON DELETE rules: a user's images go with them; a dataset's images stay."""

from sqlalchemy import delete, func, select

from app.models import Dataset, GeneratedImage, User


def test_deleting_a_user_removes_their_images_only(db_session):
    alice, bob = User(username="alice"), User(username="bob")
    db_session.add_all([alice, bob])
    db_session.flush()
    db_session.add_all([
        GeneratedImage(user_id=alice.id, prompt="a1", image_url="u", storage_url="s"),
        GeneratedImage(user_id=alice.id, prompt="a2", image_url="u", storage_url="s"),
        GeneratedImage(user_id=bob.id, prompt="b1", image_url="u", storage_url="s"),
        GeneratedImage(user_id=None, prompt="anon", image_url="u", storage_url="s"),
    ])
    db_session.commit()

    db_session.execute(delete(User).where(User.id == alice.id))
    db_session.commit()

    prompts = db_session.scalars(select(GeneratedImage.prompt).order_by(GeneratedImage.prompt)).all()
    assert prompts == ["anon", "b1"]


def test_deleting_a_dataset_keeps_its_images(db_session):
    dataset = Dataset(name="Coffee Co.")
    db_session.add(dataset)
    db_session.flush()
    image = GeneratedImage(dataset_id=dataset.id, prompt="latte", image_url="u", storage_url="s")
    db_session.add(image)
    db_session.commit()

    db_session.execute(delete(Dataset).where(Dataset.id == dataset.id))
    db_session.commit()
    db_session.expire_all()

    assert db_session.scalar(select(func.count()).select_from(GeneratedImage)) == 1
    assert db_session.get(GeneratedImage, image.id).dataset_id is None
