//! Account administration behind `tonearm-server user …`: add, list, change password, remove.
//! There is no sign-up endpoint; the operator creates accounts.

use crate::error::{Error, Result};
use crate::passwords;
use crate::state::now;
use crate::store::{MetadataStore, UserRecord};
use crate::vault::PasswordVault;

fn validate_username(name: &str) -> Result<()> {
    tonearm_protocol::Username::parse(name)
        .map(drop)
        .map_err(|e| Error::BadRequest(e.to_string()))
}

fn validate_password(password: &str) -> Result<()> {
    if password.chars().count() < 8 {
        return Err(Error::BadRequest(
            "password must have at least 8 characters".into(),
        ));
    }
    if password.chars().count() > tonearm_protocol::Password::MAX_CHARS {
        return Err(Error::BadRequest(
            "password must have at most 1024 characters (longer ones could never log in)".into(),
        ));
    }
    Ok(())
}

async fn hash(password: &str) -> Result<String> {
    let password = password.to_owned();
    tokio::task::spawn_blocking(move || passwords::hash_password(&password))
        .await?
        .map_err(Error::PasswordHash)
}

/// Creates an account.
pub async fn add(
    store: &dyn MetadataStore,
    vault: &PasswordVault,
    username: &str,
    password: &str,
) -> Result<()> {
    validate_username(username)?;
    validate_password(password)?;
    let sealed = vault.seal(username, password)?;
    store
        .create_user(username, &hash(password).await?, &sealed, now())
        .await?;
    Ok(())
}

/// Lists accounts by name.
pub async fn list(store: &dyn MetadataStore) -> Result<Vec<UserRecord>> {
    store.list_users().await
}

/// Sets a new password and logs every device of the account out.
pub async fn set_password(
    store: &dyn MetadataStore,
    vault: &PasswordVault,
    username: &str,
    password: &str,
) -> Result<()> {
    validate_password(password)?;
    let sealed = vault.seal(username, password)?;
    if store
        .set_password(username, &hash(password).await?, &sealed)
        .await?
    {
        Ok(())
    } else {
        Err(Error::NotFound("user"))
    }
}

/// Removes an account with its tracks, playlists and sessions; its blobs are collected later.
pub async fn remove(store: &dyn MetadataStore, username: &str) -> Result<()> {
    if store.remove_user(username).await? {
        Ok(())
    } else {
        Err(Error::NotFound("user"))
    }
}
