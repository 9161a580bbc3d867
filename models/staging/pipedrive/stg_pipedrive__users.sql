-- Personal data stops here: only the masked name and a hash of the email leave this model.
with source as (
    select * from {{ pipedrive_raw('users') }}
),

final as (
    select
        id as user_id,
        -- no name: empty, or the word null (dbt's seed reader reads it as no value, in any case;
        -- pipedrive-load's rows are read the same way here)
        case
            when coalesce(lower(trim(name)), '') not in ('', 'null')
                then {{ mask_name('name') }}
        end as user_name_masked,
        {{ hash_email('email') }} as email_sha256,
        coalesce(
            {{ regex_matches('email', '^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$') }}, false
        ) as has_valid_email,
        modified as modified_at
    from source
)

select * from final
